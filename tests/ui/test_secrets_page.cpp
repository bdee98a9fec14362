// The Secrets page against the real Secret Service (gnome-keyring of scripts/test-session): a
// secret typed into the dialog lands in the keyring and in the list by name only, is revealed
// after a confirmation, and is removed; bad names and a broken index are said on screen; and the
// value shows up in no log, file or widget afterwards.
#include "log/AppLog.h"
#include "personas/Persona.h"
#include "secrets/SecretEditDialog.h"
#include "secrets/SecretRevealDialog.h"
#include "secrets/SecretStore.h"
#include "secrets/SecretStoreThread.h"
#include "secrets/SecretsPage.h"
#include "secrets/SshKey.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDirIterator>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

class TestSecretsPage : public QObject
{
    Q_OBJECT

    AppLog m_log;
    QTemporaryDir m_files; // files a user would load from (outside the configuration folder)
    const QString m_prefix = QStringLiteral("test-page-%1-").arg(QCoreApplication::applicationPid());

    static QByteArray randomValue()
    {
        QByteArray v;
        for (int i = 0; i < 3; ++i)
            v += QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        return "sk-" + v;
    }

    template <typename T> static T *waitForModal(const char *name)
    {
        for (int i = 0; i < 2000; ++i) {
            if (auto *w = qobject_cast<T *>(QApplication::activeModalWidget());
                w && w->objectName() == QLatin1StringView(name) && w->isVisible())
                return w;
            QTest::qWait(10);
        }
        return nullptr;
    }

    template <typename T> static T *child(QObject *parent, const char *name)
    {
        return parent->findChild<T *>(QLatin1StringView(name));
    }

    static int rowOf(QTableWidget *table, const QString &name)
    {
        for (int row = 0; row < table->rowCount(); ++row)
            if (table->item(row, SecretsPage::NameColumn) &&
                table->item(row, SecretsPage::NameColumn)->text() == name)
                return row;
        return -1;
    }

    // What the keyring holds under `name`, read by a store of the test's own: "read:<value>",
    // "not found" or "failed: …".
    static QString keyringHolds(const QString &name)
    {
        SecretStore store(QDir::temp().filePath(QStringLiteral("unused-index.json")));
        QString result;
        connect(&store, &SecretStore::valueRead, &store, [&](quint64, const QString &, const QByteArray &v) {
            result = QStringLiteral("read:") + QString::fromUtf8(v);
        });
        connect(&store, &SecretStore::notFound, &store, [&] { result = QStringLiteral("not found"); });
        connect(&store, &SecretStore::failed, &store, [&](quint64, const QString &, const Error &e) {
            result = QStringLiteral("failed: ") + e.text();
        });
        store.read(name);
        if (!QTest::qWaitFor([&] { return !result.isEmpty(); }, 20000))
            return QStringLiteral("no answer");
        return result;
    }

    static void removeFromKeyring(const QString &name)
    {
        SecretStore store(QDir::temp().filePath(QStringLiteral("unused-index.json")));
        bool done = false;
        connect(&store, &SecretStore::removed, &store, [&] { done = true; });
        connect(&store, &SecretStore::failed, &store, [&] { done = true; });
        store.remove(name);
        (void)QTest::qWaitFor([&] { return done; }, 20000);
    }

    // Every file under the test's HOME and XDG folders (configuration, data, state, cache: where a
    // QSettings file or a log would be) that holds `value`.
    static QStringList filesHolding(const QByteArray &value)
    {
        QStringList out;
        QDirIterator it(qEnvironmentVariable("PADDOCK_TEST_TMP"), QDir::Files | QDir::Hidden | QDir::System,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.open(QIODevice::ReadOnly) && f.readAll().contains(value))
                out << f.fileName();
        }
        return out;
    }

    QStringList logLinesHolding(const QByteArray &value) const
    {
        QStringList out;
        for (const LogEntry &e : m_log.history())
            if (e.message.contains(QString::fromUtf8(value)))
                out << e.message;
        return out;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(!qEnvironmentVariable("PADDOCK_TEST_TMP").isEmpty()); // run through tests/isolated
        QVERIFY(m_files.isValid());
    }

    void addsRevealsAndRemovesThroughTheKeyring()
    {
        const QString name = m_prefix + QStringLiteral("api");
        const QByteArray value = randomValue();
        SecretsPage page(nullptr, SecretStore::defaultIndexPath());
        page.store()->setRetryDelay(std::chrono::milliseconds(100));
        page.applyPersonas(Persona::defaults(QStringLiteral("localhost/paddock-agent:test")));
        page.resize(800, 500);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        auto *table = child<QTableWidget>(&page, "secretsTable");
        QVERIFY(table);
        QVERIFY(!child<QPushButton>(&page, "revealSecretButton")->isEnabled()); // nothing selected

        // Add: typed into the dialog, for the persona agent.
        QTest::mouseClick(child<QPushButton>(&page, "addSecretButton"), Qt::LeftButton);
        QPointer<SecretEditDialog> dialog = waitForModal<SecretEditDialog>("secretEditDialog");
        QVERIFY(dialog);
        auto *nameEdit = child<QLineEdit>(dialog, "secretNameEdit");
        auto *valueEdit = child<QLineEdit>(dialog, "secretValueEdit");
        auto *save = child<QPushButton>(dialog, "saveSecretButton");
        QCOMPARE(valueEdit->echoMode(), QLineEdit::Password);
        QVERIFY(!save->isEnabled());
        QTest::keyClicks(nameEdit, name);
        QTest::keyClicks(valueEdit, QString::fromUtf8(value));
        auto *persona = child<QComboBox>(dialog, "secretPersonaCombo");
        persona->setCurrentIndex(persona->findData(QStringLiteral("agent")));
        QVERIFY(child<QLabel>(dialog, "secretNameError")->isHidden());
        QVERIFY(save->isEnabled());
        QString valueAtClose = QStringLiteral("not closed");
        connect(dialog, &QDialog::finished, this, [&] { valueAtClose = valueEdit->text(); });
        QTest::mouseClick(save, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), 20000); // closed (and deleted) once stored
        QCOMPARE(valueAtClose, QString());                // the field was emptied first
        QVERIFY2(page.problem().isEmpty(), qPrintable(page.problem()));
        QVERIFY(page.message().contains(name));

        // Listed by name, kind, persona, date; the value in no cell.
        QTRY_VERIFY(rowOf(table, name) >= 0);
        const int row = rowOf(table, name);
        QCOMPARE(table->item(row, SecretsPage::KindColumn)->text(),
                 SecretsPage::kindTitle(SecretStore::Kind::ApiKey));
        QCOMPARE(table->item(row, SecretsPage::PersonaColumn)->text(), QStringLiteral("agent"));
        QVERIFY(!table->item(row, SecretsPage::CreatedColumn)->text().isEmpty());
        for (int r = 0; r < table->rowCount(); ++r)
            for (int c = 0; c < table->columnCount(); ++c)
                QVERIFY(!table->item(r, c)->text().contains(QString::fromUtf8(value)));
        QCOMPARE(keyringHolds(name), QStringLiteral("read:") + QString::fromUtf8(value));

        // Reveal: cancelled first (nothing shown), then confirmed.
        table->selectRow(row);
        auto *reveal = child<QPushButton>(&page, "revealSecretButton");
        QVERIFY(reveal->isEnabled());
        QTest::mouseClick(reveal, Qt::LeftButton);
        auto *box = waitForModal<QMessageBox>("revealConfirmBox");
        QVERIFY(box);
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTest::qWait(300);
        QVERIFY(!page.findChild<SecretRevealDialog *>());

        // Confirmed from a timer, as a person would click while the box is up.
        QTimer::singleShot(0, this, [] {
            if (auto *b = waitForModal<QMessageBox>("revealConfirmBox"))
                QTest::mouseClick(b->findChild<QPushButton *>(QStringLiteral("confirmRevealButton")),
                                  Qt::LeftButton);
        });
        QTest::mouseClick(reveal, Qt::LeftButton);
        QPointer<SecretRevealDialog> shown = waitForModal<SecretRevealDialog>("secretRevealDialog");
        QVERIFY(shown);
        QCOMPARE(shown->shownText(), QString::fromUtf8(value));
        QTest::mouseClick(child<QPushButton>(shown, "copyValueButton"), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), QString::fromUtf8(value));
        QApplication::clipboard()->clear();
        auto *text = child<QPlainTextEdit>(shown, "revealedValue");
        QString shownAtClose = QStringLiteral("not closed");
        connect(shown, &QDialog::finished, this, [&] { shownAtClose = text->toPlainText(); });
        QTest::mouseClick(child<QPushButton>(shown, "closeRevealButton"), Qt::LeftButton);
        QTRY_VERIFY(shown.isNull());
        QCOMPARE(shownAtClose, QString());

        // Remove: confirmed; gone from the list, the index and the keyring.
        table->selectRow(rowOf(table, name));
        QTimer::singleShot(0, this, [] {
            if (auto *b = waitForModal<QMessageBox>("removeConfirmBox"))
                QTest::mouseClick(b->findChild<QPushButton *>(QStringLiteral("confirmRemoveButton")),
                                  Qt::LeftButton);
        });
        QTest::mouseClick(child<QPushButton>(&page, "removeSecretButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(table, name) < 0, 20000);
        QVERIFY(page.message().contains(name));
        QCOMPARE(keyringHolds(name), QStringLiteral("not found"));
        QFile index(SecretStore::defaultIndexPath());
        QVERIFY(index.open(QIODevice::ReadOnly));
        QVERIFY(!index.readAll().contains(name.toUtf8()));

        // Nowhere else: not in the log, not in a file under HOME or the XDG folders.
        QTest::qWait(2 * AppLog::BatchIntervalMs);
        QCOMPARE(logLinesHolding(value), QStringList());
        QCOMPARE(filesHolding(value), QStringList());
    }

    void badNameIsSaidInline()
    {
        SecretsPage page(nullptr, SecretStore::defaultIndexPath());
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.addSecret();
        auto *dialog = waitForModal<SecretEditDialog>("secretEditDialog");
        QVERIFY(dialog);
        auto *nameEdit = child<QLineEdit>(dialog, "secretNameEdit");
        auto *error = child<QLabel>(dialog, "secretNameError");
        QVERIFY(error->isHidden()); // nothing typed yet, nothing said
        QTest::keyClicks(nameEdit, QStringLiteral("My Key"));
        QTest::keyClicks(child<QLineEdit>(dialog, "secretValueEdit"), QStringLiteral("x"));
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("not a valid secret name")),
                 qPrintable(error->text()));
        QVERIFY(error->text().contains(QStringLiteral("lower-case")));
        QVERIFY(!child<QPushButton>(dialog, "saveSecretButton")->isEnabled());
        // Fixed, the error goes.
        nameEdit->selectAll();
        QTest::keyClicks(nameEdit, QStringLiteral("my-key"));
        QVERIFY(error->isHidden());
        QVERIFY(child<QPushButton>(dialog, "saveSecretButton")->isEnabled());
        // An SSH key that is not one: said under the value.
        auto *kind = child<QComboBox>(dialog, "secretKindCombo");
        kind->setCurrentIndex(kind->findData(int(SecretStore::Kind::SshPrivateKey)));
        QVERIFY(child<QLabel>(dialog, "secretValueError")->isVisible());
        QVERIFY(!child<QPushButton>(dialog, "saveSecretButton")->isEnabled());
        dialog->reject();
    }

    void brokenIndexIsShownWithWhere()
    {
        const QString path =
            QDir(qEnvironmentVariable("XDG_CONFIG_HOME")).filePath(QStringLiteral("broken/secrets.json"));
        QVERIFY(QDir().mkpath(QFileInfo(path).path()));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(
                "{\n  \"version\": 1,\n  \"secrets\": [\n    {\"name\": \"fine\", \"kind\": \"api-key\"},\n"
                "    {\"name\": \"Not Valid\", \"kind\": \"api-key\"}\n  ]\n}\n");
        }
        SecretsPage page(nullptr, path);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        auto *banner = child<QLabel>(&page, "secretsBannerText");
        QTRY_VERIFY(!page.problem().isEmpty());
        QVERIFY(banner->isVisible());
        QVERIFY2(page.problem().contains(path + QStringLiteral(":5:5")), qPrintable(page.problem()));
        QVERIFY(page.problem().contains(QStringLiteral("Not Valid")));
        QVERIFY(child<QPushButton>(&page, "reloadSecretsButton")->isVisible());

        // Adding is refused with the same words, in the dialog, which keeps what was typed.
        page.addSecret();
        auto *dialog = waitForModal<SecretEditDialog>("secretEditDialog");
        QVERIFY(dialog);
        const QString name = m_prefix + QStringLiteral("refused");
        QTest::keyClicks(child<QLineEdit>(dialog, "secretNameEdit"), name);
        QTest::keyClicks(child<QLineEdit>(dialog, "secretValueEdit"), QStringLiteral("value"));
        QTest::mouseClick(child<QPushButton>(dialog, "saveSecretButton"), Qt::LeftButton);
        auto *dialogError = child<QLabel>(dialog, "secretDialogError");
        QTRY_VERIFY(dialogError->isVisible());
        QVERIFY2(dialogError->text().contains(path + QStringLiteral(":5:5")),
                 qPrintable(dialogError->text()));
        QCOMPARE(child<QLineEdit>(dialog, "secretNameEdit")->text(), name);
        dialog->reject();

        // Fixed on disk and read again: the banner goes.
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write("{\"version\": 1, \"secrets\": [{\"name\": \"fine\", \"kind\": \"api-key\"}]}\n");
        }
        QTest::mouseClick(child<QPushButton>(&page, "reloadSecretsButton"), Qt::LeftButton);
        QTRY_VERIFY(page.problem().isEmpty());
        QTRY_COMPARE(child<QTableWidget>(&page, "secretsTable")->rowCount(), 1);
    }

    void sshKeyFromFileBecomesThePersonasKey()
    {
        auto pair = SshKey::generateEd25519(QStringLiteral("test"));
        QVERIFY2(pair, qPrintable(pair ? QString() : pair.error().text()));
        const QString keyFile = m_files.filePath(QStringLiteral("id_ed25519"));
        {
            QFile f(keyFile);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(pair->privateKey);
        }
        const QString name = m_prefix + QStringLiteral("deploy");
        SecretsPage page(nullptr, SecretStore::defaultIndexPath());
        page.applyPersonas(Persona::defaults(QStringLiteral("localhost/paddock-agent:test")));
        QSignalSpy update(&page, &SecretsPage::updatePersonaRequested);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.addSecret();
        auto *dialog = waitForModal<SecretEditDialog>("secretEditDialog");
        QVERIFY(dialog);
        QTest::keyClicks(child<QLineEdit>(dialog, "secretNameEdit"), name);
        auto *persona = child<QComboBox>(dialog, "secretPersonaCombo");
        persona->setCurrentIndex(persona->findData(QStringLiteral("web")));

        // Generating offers the public half to copy (not stored: a file is loaded next instead).
        auto *kind = child<QComboBox>(dialog, "secretKindCombo");
        QVERIFY(
            !child<QPushButton>(dialog, "generateKeyButton")->isEnabled()); // API key: nothing to generate
        kind->setCurrentIndex(kind->findData(int(SecretStore::Kind::SshPrivateKey)));
        QTest::mouseClick(child<QPushButton>(dialog, "generateKeyButton"), Qt::LeftButton);
        auto *pub = child<QLineEdit>(dialog, "publicKeyEdit");
        QVERIFY(pub->isVisible());
        QVERIFY(pub->text().startsWith(QStringLiteral("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5")));
        QVERIFY(pub->text().endsWith(QStringLiteral(" paddock-web")));

        // "Load from file…" reads it on the store's thread (the file chooser itself is skipped).
        dialog->loadFile(keyFile);
        auto *info = child<QLabel>(dialog, "secretValueInfo");
        QVERIFY(info->text().startsWith(QStringLiteral("Reading ")));
        QTRY_VERIFY(info->text().contains(QStringLiteral("content of ") + keyFile));
        QVERIFY(pub->isHidden()); // the generated key was dropped
        QVERIFY(!child<QLineEdit>(dialog, "secretValueEdit")->isEnabled());
        auto *useAsKey = child<QCheckBox>(dialog, "useAsPersonaKeyCheck");
        QVERIFY(useAsKey->isEnabled());
        useAsKey->setChecked(true);
        auto *role = child<QComboBox>(dialog, "keyRoleCombo");
        role->setCurrentIndex(role->findData(false)); // the account key
        QTest::mouseClick(child<QPushButton>(dialog, "saveSecretButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(update.count() == 1, 20000);
        QCOMPARE(update.at(0).at(0).toString(), QStringLiteral("web"));
        const auto edited = update.at(0).at(1).value<Persona>();
        QCOMPARE(edited.sshKey, name);
        QCOMPARE(edited.deployKey, false);
        QCOMPARE(edited.trust, Persona::Trust::Moderate); // the rest as it was
        auto *table = child<QTableWidget>(&page, "secretsTable");
        QTRY_VERIFY(rowOf(table, name) >= 0);
        QCOMPARE(table->item(rowOf(table, name), SecretsPage::KindColumn)->text(),
                 SecretsPage::kindTitle(SecretStore::Kind::SshPrivateKey));
        QCOMPARE(keyringHolds(name), QStringLiteral("read:") + QString::fromUtf8(pair->privateKey));

        // A file that is not there: said in the dialog.
        page.addSecret();
        dialog = waitForModal<SecretEditDialog>("secretEditDialog");
        QVERIFY(dialog);
        dialog->loadFile(m_files.filePath(QStringLiteral("missing")));
        auto *dialogError = child<QLabel>(dialog, "secretDialogError");
        QTRY_VERIFY(dialogError->isVisible());
        QVERIFY(dialogError->text().contains(m_files.filePath(QStringLiteral("missing"))));
        dialog->reject();

        removeFromKeyring(name);
        QTest::qWait(2 * AppLog::BatchIntervalMs);
        const QByteArray secretLine = pair->privateKey.split('\n').at(2); // a line of the key's body
        QCOMPARE(logLinesHolding(secretLine), QStringList());
        // Only the file the test wrote holds it (outside HOME and the XDG folders).
        QCOMPARE(filesHolding(secretLine), QStringList());
    }
};

QTEST_MAIN(TestSecretsPage)
#include "test_secrets_page.moc"
