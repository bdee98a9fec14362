#pragma once

#include <QByteArray>
#include <QDialog>

class QPlainTextEdit;

namespace paddock {

// One secret's value, shown because the person asked for it, with a Copy button. The text is
// cleared when the dialog closes; the page deletes it then.
class SecretRevealDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretRevealDialog)

public:
    SecretRevealDialog(const QString &name, const QByteArray &value, QWidget *parent = nullptr);
    ~SecretRevealDialog() override;

    QString shownText() const;

protected:
    void done(int result) override;

private:
    QPlainTextEdit *m_text;
};

} // namespace paddock
