#include "secrets/SecretEditDialog.h"

#include "secrets/SecretsPage.h"
#include "secrets/SshKey.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace paddock {

namespace {

QLabel *errorLabel(const char *objectName)
{
    auto *label = new QLabel;
    label->setObjectName(QLatin1StringView(objectName));
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, QColor(0xb7, 0x1c, 0x1c));
    label->setPalette(p);
    label->hide();
    return label;
}

void wipe(QByteArray &bytes)
{
    bytes.fill('\0');
    bytes.clear();
}

} // namespace

SecretEditDialog::SecretEditDialog(const QStringList &existingNames, const QList<Persona> &personas,
                                   QWidget *parent)
    : QDialog(parent)
    , m_existing(existingNames)
    , m_personas(personas)
    , m_name(new QLineEdit)
    , m_nameError(errorLabel("secretNameError"))
    , m_kind(new QComboBox)
    , m_persona(new QComboBox)
    , m_value(new QLineEdit)
    , m_valueInfo(new QLabel)
    , m_valueError(errorLabel("secretValueError"))
    , m_loadFile(new QPushButton(tr("&Load from file…")))
    , m_generate(new QPushButton(tr("&Generate SSH key")))
    , m_public(new QLineEdit)
    , m_copyPublic(new QPushButton(tr("&Copy public key")))
    , m_useAsKey(new QCheckBox)
    , m_keyRole(new QComboBox)
    , m_error(errorLabel("secretDialogError"))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel))
{
    setObjectName(QStringLiteral("secretEditDialog"));
    setWindowTitle(tr("Add secret"));
    setModal(true);

    m_name->setObjectName(QStringLiteral("secretNameEdit"));
    m_name->setPlaceholderText(tr("for example openai-api-key"));
    m_name->setMaxLength(64);
    m_kind->setObjectName(QStringLiteral("secretKindCombo"));
    for (auto k : {SecretStore::Kind::ApiKey, SecretStore::Kind::SshPrivateKey,
                   SecretStore::Kind::SshAuthorizedKeys, SecretStore::Kind::Other})
        m_kind->addItem(SecretsPage::kindTitle(k), int(k));
    m_persona->setObjectName(QStringLiteral("secretPersonaCombo"));
    m_persona->addItem(tr("(shared: no persona)"), QString());
    for (const Persona &p : m_personas)
        m_persona->addItem(p.name, p.name);

    m_value->setObjectName(QStringLiteral("secretValueEdit"));
    m_value->setEchoMode(QLineEdit::Password);
    m_value->setPlaceholderText(tr("paste or type the value"));
    // A masked field offers no copy or drag of what it holds; nothing else to do here.
    m_valueInfo->setObjectName(QStringLiteral("secretValueInfo"));
    m_valueInfo->setWordWrap(true);
    m_valueInfo->hide();
    m_loadFile->setObjectName(QStringLiteral("loadFileButton"));
    m_generate->setObjectName(QStringLiteral("generateKeyButton"));
    auto *valueButtons = new QHBoxLayout;
    valueButtons->addWidget(m_loadFile);
    valueButtons->addWidget(m_generate);
    valueButtons->addStretch(1);

    m_public->setObjectName(QStringLiteral("publicKeyEdit"));
    m_public->setReadOnly(true);
    m_public->hide();
    m_copyPublic->setObjectName(QStringLiteral("copyPublicKeyButton"));
    m_copyPublic->hide();
    auto *publicRow = new QHBoxLayout;
    publicRow->addWidget(m_public, 1);
    publicRow->addWidget(m_copyPublic);

    m_useAsKey->setObjectName(QStringLiteral("useAsPersonaKeyCheck"));
    m_keyRole->setObjectName(QStringLiteral("keyRoleCombo"));
    m_keyRole->addItem(tr("as its deploy key (one repository)"), true);
    m_keyRole->addItem(tr("as its account key (all your repositories)"), false);
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_useAsKey);
    keyRow->addWidget(m_keyRole, 1);

    m_buttons->setObjectName(QStringLiteral("secretDialogButtons"));
    m_buttons->button(QDialogButtonBox::Save)->setObjectName(QStringLiteral("saveSecretButton"));
    m_buttons->button(QDialogButtonBox::Cancel)->setObjectName(QStringLiteral("cancelSecretButton"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(QString(), m_nameError);
    form->addRow(tr("&Kind:"), m_kind);
    form->addRow(tr("&Persona:"), m_persona);
    form->addRow(tr("&Value:"), m_value);
    form->addRow(QString(), m_valueInfo);
    form->addRow(QString(), valueButtons);
    form->addRow(tr("Public key:"), publicRow);
    form->addRow(QString(), m_valueError);
    form->addRow(QString(), keyRow);
    auto *note =
        new QLabel(tr("The value goes to the desktop's keyring. Paddock lists the secret by name and "
                      "does not show the value again unless you ask to reveal it."));
    note->setObjectName(QStringLiteral("secretDialogNote"));
    note->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);

    connect(m_name, &QLineEdit::textEdited, this, [this] {
        m_nameTouched = true;
        validate();
    });
    connect(m_value, &QLineEdit::textChanged, this, &SecretEditDialog::validate);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &SecretEditDialog::validate);
    connect(m_persona, &QComboBox::currentIndexChanged, this, [this] {
        if (const Persona *p = selectedPersona())
            m_keyRole->setCurrentIndex(p->deployKey ? 0 : 1);
        validate();
    });
    connect(m_useAsKey, &QCheckBox::toggled, this, &SecretEditDialog::validate);
    connect(m_loadFile, &QPushButton::clicked, this, &SecretEditDialog::chooseFile);
    connect(m_generate, &QPushButton::clicked, this, &SecretEditDialog::generateSshKey);
    connect(m_copyPublic, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_publicKey); });
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        m_nameTouched = true;
        validate();
        if (isAcceptable())
            emit saveRequested();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

SecretEditDialog::~SecretEditDialog()
{
    clearValue();
}

QString SecretEditDialog::name() const
{
    return m_name->text().trimmed();
}

SecretStore::Kind SecretEditDialog::kind() const
{
    return SecretStore::Kind(m_kind->currentData().toInt());
}

QString SecretEditDialog::persona() const
{
    return m_persona->currentData().toString();
}

QByteArray SecretEditDialog::value() const
{
    return m_loaded.isEmpty() ? m_value->text().toUtf8() : m_loaded;
}

bool SecretEditDialog::useAsPersonaKey() const
{
    return m_useAsKey->isEnabled() && m_useAsKey->isChecked();
}

bool SecretEditDialog::deployKey() const
{
    return m_keyRole->currentData().toBool();
}

QString SecretEditDialog::publicKey() const
{
    return m_publicKey;
}

const Persona *SecretEditDialog::selectedPersona() const
{
    const QString name = persona();
    for (const Persona &p : m_personas)
        if (p.name == name)
            return &p;
    return nullptr;
}

bool SecretEditDialog::isAcceptable() const
{
    return !m_busy && SecretStore::validateName(name()) && !m_existing.contains(name()) &&
           m_valueError->text().isEmpty() && (!m_loaded.isEmpty() || !m_value->text().isEmpty());
}

void SecretEditDialog::validate()
{
    // The name: said as soon as it is wrong, not before it was typed at all.
    QString nameProblem;
    if (m_nameTouched) {
        if (auto valid = SecretStore::validateName(name()); !valid)
            nameProblem = valid.error().message + QLatin1Char('\n') + valid.error().hint;
        else if (m_existing.contains(name()))
            nameProblem = tr("A secret named %1 exists already. Remove it first to replace it.").arg(name());
    }
    m_nameError->setText(nameProblem);
    m_nameError->setVisible(!nameProblem.isEmpty());

    const bool sshKey = kind() == SecretStore::Kind::SshPrivateKey;
    QString valueProblem;
    if (sshKey) {
        const QByteArray v = value();
        if (!v.isEmpty() && !v.contains("PRIVATE KEY-----"))
            valueProblem =
                tr("This is not an SSH private key: it should begin with -----BEGIN OPENSSH PRIVATE "
                   "KEY----- (or another PRIVATE KEY header). Load the key file itself, not the .pub "
                   "file.");
    }
    m_valueError->setText(valueProblem);
    m_valueError->setVisible(!valueProblem.isEmpty());

    m_generate->setEnabled(sshKey && !m_busy);
    const Persona *p = selectedPersona();
    m_useAsKey->setEnabled(sshKey && p && !m_busy);
    m_useAsKey->setText(p ? tr("&Use it as %1's SSH key").arg(p->name)
                          : tr("&Use it as the persona's SSH key"));
    m_keyRole->setEnabled(m_useAsKey->isEnabled() && m_useAsKey->isChecked());
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(isAcceptable());
}

void SecretEditDialog::chooseFile()
{
    // Not the static getOpenFileName: that would run a nested event loop.
    auto *chooser =
        new QFileDialog(this, tr("Load secret from file"), QDir::homePath() + QStringLiteral("/.ssh"));
    chooser->setObjectName(QStringLiteral("secretFileDialog"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setFileMode(QFileDialog::ExistingFile);
    chooser->setFilter(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    connect(chooser, &QFileDialog::fileSelected, this, &SecretEditDialog::loadFile);
    chooser->open();
}

void SecretEditDialog::loadFile(const QString &path)
{
    if (path.isEmpty())
        return;
    m_error->hide();
    m_valueInfo->setText(tr("Reading %1…").arg(path));
    m_valueInfo->show();
    emit loadFileRequested(path);
}

void SecretEditDialog::setLoadedValue(const QString &path, const QByteArray &contents)
{
    clearValue();
    m_loaded = contents;
    m_value->setEnabled(false);
    m_valueInfo->setText(
        tr("The value is the content of %1 (%n byte(s)).", nullptr, int(contents.size())).arg(path));
    m_valueInfo->show();
    // An SSH key file chosen while the kind is still the default: it is a key.
    if (contents.contains("PRIVATE KEY-----"))
        m_kind->setCurrentIndex(m_kind->findData(int(SecretStore::Kind::SshPrivateKey)));
    validate();
}

void SecretEditDialog::generateSshKey()
{
    const QString comment = QStringLiteral("paddock-") + (persona().isEmpty() ? name() : persona());
    auto pair = SshKey::generateEd25519(comment);
    if (!pair) {
        showError(pair.error());
        return;
    }
    clearValue();
    m_loaded = pair->privateKey;
    wipe(pair->privateKey);
    m_publicKey = pair->publicKey;
    m_value->setEnabled(false);
    m_valueInfo->setText(tr("A new ed25519 key. Add its public key to the repository (as a deploy key) or to "
                            "your account before the persona uses it."));
    m_valueInfo->show();
    m_public->setText(m_publicKey);
    m_public->setCursorPosition(0);
    m_public->show();
    m_copyPublic->show();
    validate();
}

void SecretEditDialog::setBusy(bool busy)
{
    m_busy = busy;
    for (QWidget *w : std::initializer_list<QWidget *>{m_name, m_kind, m_persona, m_loadFile})
        w->setEnabled(!busy);
    m_value->setEnabled(!busy && m_loaded.isEmpty());
    if (busy)
        m_error->hide();
    validate();
}

void SecretEditDialog::showError(const Error &error)
{
    if (m_valueInfo->text().endsWith(QStringLiteral("…")))
        m_valueInfo->hide(); // "Reading…" is over
    m_error->setText(error.text());
    m_error->show();
}

void SecretEditDialog::clearValue()
{
    wipe(m_loaded);
    // setText rather than clear(): clear() is an edit and would keep the old text for undo.
    m_value->setText(QString());
    m_value->setEnabled(!m_busy);
    m_valueInfo->clear();
    m_valueInfo->hide();
    m_public->setText(QString());
    m_public->hide();
    m_copyPublic->hide();
    m_publicKey.clear();
}

void SecretEditDialog::done(int result)
{
    clearValue();
    m_name->setText(QString());
    QDialog::done(result);
}

} // namespace paddock
