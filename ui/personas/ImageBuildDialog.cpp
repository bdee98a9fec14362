#include "personas/ImageBuildDialog.h"

#include "runtime/ImageBuilder.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace paddock {

ImageBuildDialog::ImageBuildDialog(const QString &imageName, EngineClient::Endpoint endpoint, QWidget *parent)
    : QDialog(parent)
    , m_imageName(imageName)
    , m_builder(new ImageBuilder(std::move(endpoint), this))
    , m_explanation(new QLabel)
    , m_progress(new QProgressBar)
    , m_step(new QLabel)
    , m_error(new QLabel)
    , m_build(new QPushButton(tr("&Build")))
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_close(new QPushButton(tr("&Close")))
{
    setObjectName(QStringLiteral("imageBuildDialog"));
    setWindowTitle(tr("Build agent image"));
    m_explanation->setObjectName(QStringLiteral("imageBuildExplanation"));
    m_progress->setObjectName(QStringLiteral("imageBuildProgress"));
    m_step->setObjectName(QStringLiteral("imageBuildStep"));
    m_error->setObjectName(QStringLiteral("imageBuildError"));
    m_build->setObjectName(QStringLiteral("imageBuildButton"));
    m_cancel->setObjectName(QStringLiteral("imageBuildCancel"));
    m_close->setObjectName(QStringLiteral("imageBuildClose"));

    m_explanation->setWordWrap(true);
    m_explanation->setTextFormat(Qt::PlainText);
    m_explanation->setText(
        tr("Paddock's personas run in the container image %1, which is not in your container engine yet.\n\n"
           "Building it makes a minimal Debian 13 system with git, the OpenSSH client and server, curl, "
           "the user dev and the coding agents (Claude Code, Codex, opencode and Copilot CLI, at the "
           "versions this Paddock was tested with), and imports it into the engine. It takes a few "
           "minutes and about 1.8 GB of disk, needs network access to Debian's mirror (deb.debian.org) "
           "and the npm registry (about 500 MB the first time), and root (the recipe uses "
           "debootstrap). No image registry is used.")
            .arg(imageName));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setVisible(false);
    m_step->setWordWrap(true);
    m_step->setTextFormat(Qt::PlainText);
    m_step->setVisible(false);
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(
        QStringLiteral("color: palette(highlighted-text); background: #b3261e; padding: 6px;"));
    m_error->setVisible(false);
    m_build->setDefault(true);

    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_build, QDialogButtonBox::AcceptRole);
    buttons->addButton(m_cancel, QDialogButtonBox::RejectRole);
    buttons->addButton(m_close, QDialogButtonBox::AcceptRole);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_explanation);
    layout->addWidget(m_progress);
    layout->addWidget(m_step);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(buttons);
    m_close->setVisible(false); // after the button box has laid it out (which shows it)
    resize(560, sizeHint().height());

    connect(m_build, &QPushButton::clicked, this, &ImageBuildDialog::build);
    connect(m_cancel, &QPushButton::clicked, this, &ImageBuildDialog::reject);
    connect(m_close, &QPushButton::clicked, this, &QDialog::accept);
    connect(m_builder, &ImageBuilder::progress, this, &ImageBuildDialog::showProgress);
    connect(m_builder, &ImageBuilder::finished, this, &ImageBuildDialog::buildFinished);
}

ImageBuildDialog::~ImageBuildDialog() = default;

void ImageBuildDialog::build()
{
    m_cancelling = false;
    m_error->setVisible(false);
    m_progress->setValue(0);
    m_progress->setVisible(true);
    m_step->setText(tr("Starting…"));
    m_step->setVisible(true);
    m_build->setEnabled(false);
    m_cancel->setEnabled(true);
    m_builder->start(m_imageName);
}

void ImageBuildDialog::reject()
{
    if (!m_builder->isRunning())
        return QDialog::reject();
    m_cancelling = true;
    m_cancel->setEnabled(false);
    m_step->setText(tr("Cancelling…"));
    m_builder->cancel();
}

void ImageBuildDialog::showProgress(int percent, const QString &text)
{
    m_progress->setValue(percent);
    m_step->setText(text);
}

void ImageBuildDialog::buildFinished(const Result<QString> &imageId)
{
    m_cancel->setEnabled(true);
    if (imageId) {
        m_progress->setValue(100);
        m_step->setText(tr("%1 is ready.").arg(m_imageName));
        m_build->setVisible(false);
        m_cancel->setVisible(false);
        m_close->setVisible(true);
        m_close->setDefault(true);
        m_close->setFocus();
        emit imageBuilt(m_imageName);
        return;
    }
    m_progress->setVisible(false);
    m_build->setEnabled(true);
    if (m_cancelling) {
        m_step->setText(tr("Cancelled; nothing of the build was kept."));
        return;
    }
    m_step->setVisible(false);
    m_error->setText(imageId.error().text());
    m_error->setVisible(true);
    m_build->setText(tr("&Try again"));
}

} // namespace paddock
