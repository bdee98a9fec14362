#pragma once

#include "runtime/EngineClient.h"

#include <QDialog>

class QLabel;
class QProgressBar;
class QPushButton;

namespace paddock {

class ImageBuilder;

// "Build agent image": says what will be built (Debian 13 with git, OpenSSH and curl, about
// 300 MB, about a minute, from Debian's mirror), then builds it with ImageBuilder on a click. A
// progress bar and the current step while it runs; Cancel really cancels (nothing is left
// behind); a failure is shown in the dialog with what to do, and Build becomes "Try again"; on
// success Close is offered and imageBuilt() is emitted. Nothing blocks the UI thread: the recipe
// is a separate process and the import runs on a thread of its own.
//
// Show it with open() when the persona's image is missing:
//     auto *dialog = new ImageBuildDialog(persona.image, endpoint, this);
//     dialog->setAttribute(Qt::WA_DeleteOnClose);
//     connect(dialog, &ImageBuildDialog::imageBuilt, this, &PersonasPage::refresh);
//     dialog->open();
class ImageBuildDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImageBuildDialog)

public:
    ImageBuildDialog(const QString &imageName, EngineClient::Endpoint endpoint, QWidget *parent = nullptr);
    ~ImageBuildDialog() override;

    // The builder it drives, to point at another recipe (tests) or add packages.
    ImageBuilder *builder() const { return m_builder; }

    // While a build runs, Esc, the window's close button and Cancel cancel it; the dialog
    // stays until the build has stopped.
    void reject() override;

signals:
    void imageBuilt(const QString &imageName);

private:
    void build();
    void showProgress(int percent, const QString &text);
    void buildFinished(const Result<QString> &imageId);

    const QString m_imageName;
    ImageBuilder *m_builder;
    QLabel *m_explanation;
    QProgressBar *m_progress;
    QLabel *m_step;
    QLabel *m_error;
    QPushButton *m_build;
    QPushButton *m_cancel;
    QPushButton *m_close;
    bool m_cancelling = false;
};

} // namespace paddock
