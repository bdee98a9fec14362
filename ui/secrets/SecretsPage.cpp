#include "secrets/SecretsPage.h"
#include "WarningBanner.h"

#include "Icons.h"
#include "runtime/PersonaRuntime.h"
#include "secrets/SecretEditDialog.h"
#include "secrets/SecretRevealDialog.h"
#include "secrets/SecretStoreThread.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

namespace paddock {

SecretsPage::SecretsPage(PersonaRuntime *runtime, const QString &indexPath, QWidget *parent)
    : QWidget(parent)
    , m_store(new SecretStoreThread(indexPath, this))
    , m_banner(new QFrame)
    , m_bannerText(new QLabel)
    , m_reload(new QPushButton(tr("Read &again")))
    , m_dismiss(new QPushButton(tr("&Dismiss")))
    , m_message(new QLabel)
    , m_table(new QTableWidget(0, ColumnCount))
    , m_empty(
          new QLabel(tr("No secrets yet. Add an API key or an SSH key for your personas; the values are kept "
                        "in the desktop's keyring, never in a file.")))
    , m_add(new QPushButton(tr("&Add…")))
    , m_reveal(new QPushButton(tr("&Reveal…")))
    , m_remove(new QPushButton(tr("Re&move…")))
{
    setObjectName(QStringLiteral("secretsPage"));

    auto *title = new QLabel(tr("Secrets"));
    title->setObjectName(QStringLiteral("secretsTitle"));
    QFont font = title->font();
    font.setPointSizeF(font.pointSizeF() * 1.3);
    font.setBold(true);
    title->setFont(font);
    m_add->setObjectName(QStringLiteral("addSecretButton"));
    m_add->setIcon(
        Icons::themed(QStringLiteral("list-add"), style()->standardIcon(QStyle::SP_FileDialogNewFolder)));
    m_reveal->setObjectName(QStringLiteral("revealSecretButton"));
    m_reveal->setIcon(
        Icons::themed(QStringLiteral("view-visible"), style()->standardIcon(QStyle::SP_FileDialogInfoView)));
    m_remove->setObjectName(QStringLiteral("removeSecretButton"));
    m_remove->setIcon(
        Icons::themed(QStringLiteral("list-remove"), style()->standardIcon(QStyle::SP_TrashIcon)));
    auto *header = new QHBoxLayout;
    header->addWidget(title);
    header->addStretch(1);
    header->addWidget(m_add);
    header->addWidget(m_reveal);
    header->addWidget(m_remove);

    // The banner: what went wrong, where and what to do; the index can be read again from here.
    m_banner->setObjectName(QStringLiteral("secretsBanner"));
    styleAsWarningBanner(m_banner);
    auto *bannerIcon = new QLabel;
    bannerIcon->setObjectName(QStringLiteral("secretsBannerIcon"));
    bannerIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(32, 32));
    m_bannerText->setObjectName(QStringLiteral("secretsBannerText"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reload->setObjectName(QStringLiteral("reloadSecretsButton"));
    m_dismiss->setObjectName(QStringLiteral("dismissBannerButton"));
    auto *bannerButtons = new QVBoxLayout;
    bannerButtons->addWidget(m_reload);
    bannerButtons->addWidget(m_dismiss);
    bannerButtons->addStretch(1);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->addWidget(bannerIcon, 0, Qt::AlignTop);
    bannerLayout->addWidget(m_bannerText, 1);
    bannerLayout->addLayout(bannerButtons);
    m_banner->hide();

    m_message->setObjectName(QStringLiteral("secretsMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    m_table->setObjectName(QStringLiteral("secretsTable"));
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Kind"), tr("Persona"), tr("Created")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(KindColumn, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(PersonaColumn, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(CreatedColumn, QHeaderView::ResizeToContents);
    m_empty->setObjectName(QStringLiteral("noSecretsLabel"));
    m_empty->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_banner);
    layout->addWidget(m_message);
    layout->addWidget(m_empty);
    layout->addWidget(m_table, 1);

    connect(m_add, &QPushButton::clicked, this, &SecretsPage::addSecret);
    connect(m_reveal, &QPushButton::clicked, this, [this] { revealSecret(selectedName()); });
    connect(m_remove, &QPushButton::clicked, this, [this] { removeSecret(selectedName()); });
    connect(m_reload, &QPushButton::clicked, this, &SecretsPage::reload);
    connect(m_dismiss, &QPushButton::clicked, this, &SecretsPage::clearProblem);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &SecretsPage::updateButtons);

    // The store's answers arrive queued, on this thread.
    connect(m_store, &SecretStoreThread::entriesChanged, this, &SecretsPage::applyEntries);
    connect(m_store, &SecretStoreThread::indexLoaded, this, [this] {
        if (m_bannerIsIndex)
            clearProblem();
    });
    connect(m_store, &SecretStoreThread::indexFailed, this,
            [this](const Error &error) { showProblem(error.text(), true); });
    connect(m_store, &SecretStoreThread::stored, this, &SecretsPage::onStored);
    connect(m_store, &SecretStoreThread::valueRead, this, &SecretsPage::onValueRead);
    connect(m_store, &SecretStoreThread::notFound, this, &SecretsPage::onNotFound);
    connect(m_store, &SecretStoreThread::removed, this, &SecretsPage::onRemoved);
    connect(m_store, &SecretStoreThread::failed, this, &SecretsPage::onFailed);
    connect(m_store, &SecretStoreThread::fileRead, this, &SecretsPage::onFileRead);

    if (runtime) {
        connect(runtime, &PersonaRuntime::personasChanged, this, &SecretsPage::applyPersonas);
        connect(this, &SecretsPage::updatePersonaRequested, runtime, &PersonaRuntime::updatePersona,
                Qt::QueuedConnection);
        applyPersonas(runtime->personas());
    }
    applyEntries({});
    reload();
}

SecretsPage::~SecretsPage() = default;

QString SecretsPage::kindTitle(SecretStore::Kind kind)
{
    switch (kind) {
    case SecretStore::Kind::ApiKey:
        return tr("API key");
    case SecretStore::Kind::SshPrivateKey:
        return tr("SSH private key");
    case SecretStore::Kind::SshAuthorizedKeys:
        return tr("SSH authorized keys");
    case SecretStore::Kind::Other:
        return tr("Other");
    }
    return {};
}

QString SecretsPage::problem() const
{
    return m_banner->isHidden() ? QString() : m_bannerText->text();
}

QString SecretsPage::message() const
{
    return m_message->text();
}

void SecretsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // Another Paddock (paddockctl) may have changed the index meanwhile.
    reload();
}

void SecretsPage::reload()
{
    m_store->loadIndex();
}

void SecretsPage::applyPersonas(const QList<Persona> &personas)
{
    m_personas = personas;
}

void SecretsPage::applyEntries(const QList<SecretStore::Entry> &entries)
{
    const QString selected = selectedName();
    m_entries = entries;
    std::ranges::sort(m_entries, {}, &SecretStore::Entry::name);
    m_table->setSortingEnabled(false);
    m_table->setRowCount(int(m_entries.size()));
    const QLocale locale;
    for (int row = 0; row < m_entries.size(); ++row) {
        const SecretStore::Entry &e = m_entries.at(row);
        auto *name = new QTableWidgetItem(e.name);
        name->setData(Qt::UserRole, e.name);
        const QStringList users = personasUsingKey(e.name);
        if (!users.isEmpty())
            name->setToolTip(tr("The SSH key of %1").arg(users.join(QStringLiteral(", "))));
        m_table->setItem(row, NameColumn, name);
        m_table->setItem(row, KindColumn, new QTableWidgetItem(kindTitle(e.kind)));
        m_table->setItem(row, PersonaColumn,
                         new QTableWidgetItem(e.persona.isEmpty() ? tr("(shared)") : e.persona));
        m_table->setItem(row, CreatedColumn,
                         new QTableWidgetItem(e.created.isValid() ? locale.toString(e.created.toLocalTime(),
                                                                                    QLocale::ShortFormat)
                                                                  : QString()));
        if (e.name == selected)
            m_table->selectRow(row);
    }
    m_empty->setVisible(m_entries.isEmpty());
    m_table->setVisible(!m_entries.isEmpty());
    updateButtons();
}

QString SecretsPage::selectedName() const
{
    const auto rows = m_table->selectionModel()->selectedRows(NameColumn);
    return rows.isEmpty() ? QString() : rows.first().data(Qt::UserRole).toString();
}

void SecretsPage::updateButtons()
{
    const bool selected = !selectedName().isEmpty();
    m_reveal->setEnabled(selected);
    m_remove->setEnabled(selected);
}

QStringList SecretsPage::personasUsingKey(const QString &name) const
{
    QStringList out;
    for (const Persona &p : m_personas)
        if (p.sshKey == name)
            out << p.name;
    return out;
}

void SecretsPage::showProblem(const QString &text, bool indexProblem)
{
    m_bannerText->setText(text);
    m_bannerIsIndex = indexProblem;
    m_reload->setVisible(indexProblem);
    m_banner->show();
}

void SecretsPage::clearProblem()
{
    m_banner->hide();
    m_bannerText->clear();
    m_bannerIsIndex = false;
}

void SecretsPage::showMessage(const QString &text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

void SecretsPage::addSecret()
{
    if (m_editDialog) {
        m_editDialog->raise();
        return;
    }
    QStringList names;
    for (const SecretStore::Entry &e : m_entries)
        names << e.name;
    auto *dialog = new SecretEditDialog(names, m_personas, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_editDialog = dialog;
    connect(dialog, &SecretEditDialog::saveRequested, this, &SecretsPage::saveFromDialog);
    connect(dialog, &SecretEditDialog::loadFileRequested, this,
            [this](const QString &path) { m_fileTicket = m_store->readFile(path); });
    connect(dialog, &QDialog::finished, this, [this] {
        m_save.reset(); // an answer still under way only updates the list
        m_fileTicket = 0;
    });
    dialog->open();
}

void SecretsPage::saveFromDialog()
{
    SecretEditDialog *dialog = m_editDialog;
    if (!dialog || m_save)
        return;
    PendingSave save;
    save.name = dialog->name();
    save.persona = dialog->persona();
    save.useAsPersonaKey = dialog->useAsPersonaKey();
    save.deployKey = dialog->deployKey();
    QByteArray value = dialog->value();
    save.ticket = m_store->store(save.name, value, dialog->kind(), save.persona);
    value.fill('\0');
    m_save = save;
    dialog->setBusy(true);
}

void SecretsPage::onStored(quint64 ticket, const QString &name)
{
    if (!m_save || m_save->ticket != ticket) {
        showMessage(tr("Stored the secret %1.").arg(name));
        return;
    }
    const PendingSave save = *m_save;
    m_save.reset();
    if (m_editDialog)
        m_editDialog->accept();
    QString text = tr("Stored the secret %1 in the keyring.").arg(name);
    if (save.useAsPersonaKey) {
        auto it = std::ranges::find(m_personas, save.persona, &Persona::name);
        if (it != m_personas.end()) {
            Persona edited = *it;
            edited.sshKey = name;
            edited.deployKey = save.deployKey;
            emit updatePersonaRequested(edited.name, edited);
            text +=
                QLatin1Char(' ') +
                (save.deployKey ? tr("%1 uses it as its deploy key from its next start.").arg(edited.name)
                                : tr("%1 uses it as its account key from its next start.").arg(edited.name));
        }
    }
    showMessage(text);
}

void SecretsPage::onFailed(quint64 ticket, const QString &name, const Error &error)
{
    Q_UNUSED(name);
    if (m_save && m_save->ticket == ticket) {
        m_save.reset();
        if (m_editDialog) {
            m_editDialog->setBusy(false);
            m_editDialog->showError(error);
        }
        return; // said in the dialog, which is still open with what was typed
    }
    if (ticket == m_fileTicket) {
        m_fileTicket = 0;
        if (m_editDialog)
            m_editDialog->showError(error);
        return;
    }
    m_reads.remove(ticket);
    m_removes.remove(ticket);
    showProblem(error.text(), false);
}

void SecretsPage::onFileRead(quint64 ticket, const QString &path, const QByteArray &contents)
{
    if (ticket != m_fileTicket || !m_editDialog)
        return;
    m_fileTicket = 0;
    m_editDialog->setLoadedValue(path, contents);
}

void SecretsPage::revealSecret(const QString &name)
{
    if (name.isEmpty())
        return;
    auto *box = new QMessageBox(QMessageBox::Question, tr("Reveal secret"),
                                tr("Show the value of %1 on screen?").arg(name), QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("revealConfirmBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(
        tr("Anyone who can see your screen can read it. It is hidden again when you close "
           "the window that shows it."));
    QPushButton *confirm = box->addButton(tr("&Reveal"), QMessageBox::AcceptRole);
    confirm->setObjectName(QStringLiteral("confirmRevealButton"));
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, confirm, name](int) {
        if (box->clickedButton() == confirm)
            m_reads.insert(m_store->read(name), name);
    });
    box->open();
}

void SecretsPage::onValueRead(quint64 ticket, const QString &name, const QByteArray &value)
{
    if (!m_reads.remove(ticket))
        return;
    if (m_revealDialog)
        m_revealDialog->close();
    auto *dialog = new SecretRevealDialog(name, value, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_revealDialog = dialog;
    dialog->open();
}

void SecretsPage::onNotFound(quint64 ticket, const QString &name)
{
    if (!m_reads.remove(ticket))
        return;
    showProblem(tr("The keyring holds no value for %1, though Paddock's list names it (the keyring was "
                   "reset, or another program removed it). Remove it here and add it again.")
                    .arg(name),
                false);
}

void SecretsPage::removeSecret(const QString &name)
{
    if (name.isEmpty())
        return;
    auto *box =
        new QMessageBox(QMessageBox::Warning, tr("Remove secret"),
                        tr("Remove the secret %1 from the keyring?").arg(name), QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("removeConfirmBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QStringList users = personasUsingKey(name);
    box->setInformativeText(
        users.isEmpty()
            ? tr("Its value cannot be brought back.")
            : tr("Its value cannot be brought back. %1 use it as their SSH key and will start without one.")
                  .arg(users.join(QStringLiteral(", "))));
    QPushButton *confirm = box->addButton(tr("&Remove"), QMessageBox::DestructiveRole);
    confirm->setObjectName(QStringLiteral("confirmRemoveButton"));
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, confirm, name](int) {
        if (box->clickedButton() == confirm)
            m_removes.insert(m_store->remove(name), name);
    });
    box->open();
}

void SecretsPage::onRemoved(quint64 ticket, const QString &name)
{
    if (!m_removes.remove(ticket))
        return;
    showMessage(tr("Removed the secret %1.").arg(name));
}

} // namespace paddock
