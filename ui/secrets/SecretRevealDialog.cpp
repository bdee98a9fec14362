#include "secrets/SecretRevealDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStringDecoder>
#include <QVBoxLayout>

namespace paddock {

SecretRevealDialog::SecretRevealDialog(const QString &name, const QByteArray &value, QWidget *parent)
    : QDialog(parent)
    , m_text(new QPlainTextEdit)
{
    setObjectName(QStringLiteral("secretRevealDialog"));
    setWindowTitle(tr("Secret %1").arg(name));
    setModal(true);

    // Text as text; anything else (not UTF-8) as base64, said so.
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString shown = utf8.decode(value);
    const bool binary = utf8.hasError();
    if (binary)
        shown = QString::fromLatin1(value.toBase64());
    auto *label = new QLabel(binary ? tr("The value of %1 is not text; shown here in base64:").arg(name)
                                    : tr("The value of %1:").arg(name));
    label->setObjectName(QStringLiteral("revealLabel"));
    label->setWordWrap(true);

    m_text->setObjectName(QStringLiteral("revealedValue"));
    m_text->setReadOnly(true);
    m_text->setUndoRedoEnabled(false);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlainText(shown);
    shown.fill(QLatin1Char('\0'));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->setObjectName(QStringLiteral("revealButtons"));
    QPushButton *copy = buttons->addButton(tr("&Copy"), QDialogButtonBox::ActionRole);
    copy->setObjectName(QStringLiteral("copyValueButton"));
    buttons->button(QDialogButtonBox::Close)->setObjectName(QStringLiteral("closeRevealButton"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(label);
    layout->addWidget(m_text, 1);
    layout->addWidget(buttons);
    resize(560, 280);

    connect(copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_text->toPlainText()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

SecretRevealDialog::~SecretRevealDialog() = default;

QString SecretRevealDialog::shownText() const
{
    return m_text->toPlainText();
}

void SecretRevealDialog::done(int result)
{
    m_text->clear();
    QDialog::done(result);
}

} // namespace paddock
