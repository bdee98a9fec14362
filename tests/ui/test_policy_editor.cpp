// The policy editor as a user works with it: typing, seeing problems where they are, what-if,
// saving (and being refused), history and revert, unsaved-changes prompts.
#include "policy/CodeEditor.h"
#include "policy/HistoryDialog.h"
#include "policy/PolicyEditorPage.h"
#include "policy/PolicyStore.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace paddock;

class TestPolicyEditor : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<PolicyStore> m_store;
    std::unique_ptr<PolicyEditorPage> m_page;

    QLabel *status() const { return m_page->findChild<QLabel *>(QStringLiteral("policyStatus")); }
    QTreeWidget *problems() const { return m_page->findChild<QTreeWidget *>(QStringLiteral("problemsList")); }

    void typeText(const QString &text)
    {
        CodeEditor *editor = m_page->editor();
        editor->selectAll();
        QTest::keyClick(editor, Qt::Key_Delete);
        editor->insertPlainText(text); // as a paste would (QTest types only plain ASCII keys)
    }

    template <typename T> static T *waitForModal(const char *name)
    {
        for (int i = 0; i < 500; ++i) {
            if (auto *w = qobject_cast<T *>(QApplication::activeModalWidget());
                w && w->objectName() == QLatin1StringView(name))
                return w;
            QTest::qWait(10);
        }
        return nullptr;
    }

private slots:
    void init()
    {
        m_store = std::make_unique<PolicyStore>(m_dir.path() + QStringLiteral("/") +
                                                QString::fromLatin1(QTest::currentTestFunction()));
        QVERIFY(m_store->load().has_value());
        QVERIFY(m_store->loadProblems().isEmpty());
        m_page = std::make_unique<PolicyEditorPage>(*m_store);
        m_page->resize(1100, 700);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        m_page->activateWindow(); // keyboard shortcuts (Ctrl+S) act in the active window
        QVERIFY(QTest::qWaitForWindowActive(m_page.get()));
        QTRY_VERIFY(status()->text().startsWith(QStringLiteral("Valid")));
    }

    void cleanup()
    {
        m_page.reset();
        m_store.reset();
    }

    void opensTheDefaultSets()
    {
        auto *sets = m_page->findChild<QComboBox *>(QStringLiteral("policySetCombo"));
        QCOMPARE(sets->count(), 3);
        QCOMPARE(m_page->currentSet(), QStringLiteral("full"));
        QVERIFY(m_page->editor()->toPlainText().contains(QStringLiteral("full-trust")));
        QVERIFY(!m_page->isModified());
    }

    void anErrorShowsAtItsLineAndGoesAwayWhenFixed()
    {
        typeText(QStringLiteral("permit (principal, action == Paddock::Action::\"connect\", resource)\n"
                                "when { resource.name = \"github.com\" };\n"));
        QTRY_VERIFY_WITH_TIMEOUT(status()->text().contains(QStringLiteral("error")), 5000);
        QCOMPARE(problems()->topLevelItemCount(), 1);
        QTreeWidgetItem *item = problems()->topLevelItem(0);
        QCOMPARE(item->text(0), QStringLiteral("2"));  // line
        QCOMPARE(item->text(1), QStringLiteral("22")); // column of the `=`
        QCOMPARE(m_page->editor()->marks().size(), 1);
        QCOMPARE(m_page->editor()->marks().first().line, 2);
        // Clicking the problem puts the cursor there.
        QTest::mouseClick(problems()->viewport(), Qt::LeftButton, {},
                          problems()->visualItemRect(item).center());
        QCOMPARE(m_page->editor()->textCursor().blockNumber(), 1);
        QCOMPARE(m_page->editor()->textCursor().positionInBlock(), 21);

        // Fix it: `=` becomes `==`.
        QTest::keyClicks(m_page->editor(), QStringLiteral("="));
        QTRY_VERIFY_WITH_TIMEOUT(status()->text().startsWith(QStringLiteral("Valid")), 5000);
        QCOMPARE(problems()->topLevelItemCount(), 0);
        QVERIFY(m_page->editor()->marks().isEmpty());
    }

    void schemaErrorsShowWithSuggestions()
    {
        // Well-formed, but the schema has no `nam` on hosts: the validator says where and what was meant.
        typeText(QStringLiteral("permit (principal, action == Paddock::Action::\"connect\", resource)\n"
                                "when { resource.nam == \"github.com\" };\n"));
        QTRY_VERIFY_WITH_TIMEOUT(status()->text().contains(QStringLiteral("error")), 5000);
        QCOMPARE(problems()->topLevelItemCount(), 1);
        QCOMPARE(problems()->topLevelItem(0)->text(0), QStringLiteral("2"));
        QVERIFY2(problems()->topLevelItem(0)->text(2).contains(QStringLiteral("did you mean `name`")),
                 qPrintable(problems()->topLevelItem(0)->text(2)));
        QSignalSpy failed(m_page.get(), &PolicyEditorPage::saveFailed);
        m_page->save();
        QVERIFY(failed.wait(15000)); // refused like a syntax error
    }

    void whatIfEvaluatesTheEditorsText()
    {
        m_page->openSet(QStringLiteral("restricted"));
        QTRY_COMPARE(m_page->currentSet(), QStringLiteral("restricted"));
        auto *principal = m_page->findChild<QComboBox *>(QStringLiteral("whatIfPrincipal"));
        auto *action = m_page->findChild<QComboBox *>(QStringLiteral("whatIfAction"));
        auto *resource = m_page->findChild<QLineEdit *>(QStringLiteral("whatIfResource"));
        auto *decision = m_page->findChild<QLabel *>(QStringLiteral("whatIfDecision"));
        auto *evaluate = m_page->findChild<QPushButton *>(QStringLiteral("evaluateButton"));
        principal->setCurrentText(QStringLiteral("Paddock::Persona::\"agent\""));
        action->setCurrentText(QStringLiteral("Paddock::Action::\"connect\""));
        resource->setText(QStringLiteral("Paddock::Host::\"github.com:443\""));
        QTest::mouseClick(evaluate, Qt::LeftButton);
        QVERIFY2(decision->text().contains(QStringLiteral("ALLOW")) &&
                     decision->text().contains(QStringLiteral("github")),
                 qPrintable(decision->text()));

        // A push to main: the entities in the panel describe it.
        action->setCurrentText(QStringLiteral("Paddock::Action::\"git-push\""));
        resource->setText(QStringLiteral("Paddock::Branch::\"repo:main\""));
        m_page->findChild<QPlainTextEdit *>(QStringLiteral("whatIfContext"))
            ->setPlainText(QStringLiteral("{\"force\": false, \"delete\": false}"));
        QTest::mouseClick(evaluate, Qt::LeftButton);
        QVERIFY2(decision->text().contains(QStringLiteral("DENY")) &&
                     decision->text().contains(QStringLiteral("protected-branches")),
                 qPrintable(decision->text()));

        // Unsaved edits count: remove the protection and ask again.
        QString text = m_page->editor()->toPlainText();
        text.replace(QStringLiteral("resource.name == \"main\" || "), QString());
        m_page->editor()->setPlainText(text);
        QTest::mouseClick(evaluate, Qt::LeftButton);
        QVERIFY2(decision->text().contains(QStringLiteral("DENY")) &&
                     decision->text().contains(QStringLiteral("no policy")),
                 qPrintable(decision->text()));
    }

    void saveAndRevertRoundTrip()
    {
        const QString path = m_store->filePath(QStringLiteral("full"));
        const QString original = m_store->text(QStringLiteral("full"));
        typeText(QStringLiteral("@id(\"nothing\")\nforbid (principal, action, resource);\n"));
        QTRY_VERIFY(status()->text().startsWith(QStringLiteral("Valid")));
        QVERIFY(m_page->isModified());
        QSignalSpy saved(m_page.get(), &PolicyEditorPage::saved);
        QTest::keyClick(m_page->editor(), Qt::Key_S, Qt::ControlModifier);
        QVERIFY(saved.wait(15000));
        QVERIFY(!m_page->isModified());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("nothing"));
        QVERIFY(m_store->policies(QStringLiteral("full"))->find("nothing") != nullptr); // enforced now

        // Save the original back, then revert to the "nothing" version through the history.
        typeText(original);
        QTRY_VERIFY(status()->text().startsWith(QStringLiteral("Valid")));
        m_page->save();
        QVERIFY(saved.wait(15000));
        QTRY_COMPARE(m_store->history(QStringLiteral("full")).size(), 2);

        m_page->showHistory();
        auto *history = waitForModal<HistoryDialog>("historyDialog");
        QVERIFY(history);
        auto *list = history->findChild<QListWidget *>(QStringLiteral("historyList"));
        QTRY_COMPARE(list->count(), 2);
        list->setCurrentRow(1); // the older one
        auto *diff = history->findChild<QPlainTextEdit *>(QStringLiteral("historyDiff"));
        QTRY_VERIFY(diff->toPlainText().contains(QStringLiteral("+ forbid (principal, action, resource);")));
        auto *revert = history->findChild<QPushButton *>(QStringLiteral("revertButton"));
        QTRY_VERIFY(revert->isEnabled());
        QTest::mouseClick(revert, Qt::LeftButton);
        QVERIFY(saved.wait(15000));
        QVERIFY(m_page->editor()->toPlainText().contains(QStringLiteral("nothing")));
        QVERIFY(m_store->policies(QStringLiteral("full"))->find("nothing") != nullptr);
        QCOMPARE(m_store->history(QStringLiteral("full")).size(), 3); // a revert is a save too
    }

    void anInvalidSaveIsRefusedAndKeepsTheText()
    {
        const QString path = m_store->filePath(QStringLiteral("full"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray before = f.readAll();
        f.close();
        const QString broken = QStringLiteral("permit (principal, action, resource) when { true && };\n");
        typeText(broken);
        QSignalSpy failed(m_page.get(), &PolicyEditorPage::saveFailed);
        m_page->save();
        QVERIFY(failed.wait(15000));
        QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("full.cedar:1:")),
                 qPrintable(failed.at(0).at(0).toString()));
        QVERIFY(status()->text().startsWith(QStringLiteral("Not saved")));
        QCOMPARE(m_page->editor()->toPlainText(), broken);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        QVERIFY(m_store->policies(QStringLiteral("full"))->find("full-trust") != nullptr); // still enforced
    }

    void switchingSetsAsksAboutUnsavedChanges()
    {
        QTest::keyClicks(m_page->editor(), QStringLiteral("// a note"));
        QTest::keyClick(m_page->editor(), Qt::Key_Return);
        QVERIFY(m_page->isModified());
        m_page->openSet(QStringLiteral("moderate"));
        auto *box = waitForModal<QMessageBox>("unsavedChangesBox");
        QVERIFY(box);
        QCOMPARE(m_page->currentSet(), QStringLiteral("full")); // nothing happens before the answer
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTRY_VERIFY(QApplication::activeModalWidget() == nullptr);
        QCOMPARE(m_page->currentSet(), QStringLiteral("full"));
        QVERIFY(m_page->isModified());

        m_page->openSet(QStringLiteral("moderate"));
        box = waitForModal<QMessageBox>("unsavedChangesBox");
        QVERIFY(box);
        QTest::mouseClick(box->button(QMessageBox::Discard), Qt::LeftButton);
        QTRY_COMPARE(m_page->currentSet(), QStringLiteral("moderate"));
        QVERIFY(!m_page->isModified());
        QVERIFY(m_page->editor()->toPlainText().contains(QStringLiteral("git-hosts")));
    }

    void commentToggling()
    {
        typeText(
            QStringLiteral("permit (principal, action, resource);\nforbid (principal, action, resource);"));
        CodeEditor *editor = m_page->editor();
        editor->selectAll();
        QTest::keyClick(editor, Qt::Key_Slash, Qt::ControlModifier);
        QCOMPARE(editor->toPlainText(),
                 QStringLiteral(
                     "// permit (principal, action, resource);\n// forbid (principal, action, resource);"));
        editor->selectAll();
        QTest::keyClick(editor, Qt::Key_Slash, Qt::ControlModifier);
        QCOMPARE(
            editor->toPlainText(),
            QStringLiteral("permit (principal, action, resource);\nforbid (principal, action, resource);"));
    }

    void diffShowsChanges()
    {
        QCOMPARE(HistoryDialog::diff(QStringLiteral("a\nb\nc"), QStringLiteral("a\nx\nc")),
                 QStringLiteral("  a\n- b\n+ x\n  c\n"));
    }
};

QTEST_MAIN(TestPolicyEditor)
#include "test_policy_editor.moc"
