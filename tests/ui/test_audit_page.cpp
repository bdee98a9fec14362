// The Audit page as a user works with it, over a real engine and its audit log: history and live
// events, following and pausing, filters (live and re-queried), the details pane, opening the
// deciding policy, export and verification.
#include "DesktopShell.h"
#include "MainWindow.h"
#include "audit/AuditLogPage.h"
#include "audit/AuditModel.h"
#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "policy/CodeEditor.h"
#include "policy/PolicyEditorPage.h"
#include "policy/PolicyStore.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextCursor>
#include <QToolButton>

#include <sqlite3.h>

#include <atomic>
#include <memory>

using namespace paddock;
using Decision = AuditEvent::Decision;
using Source = AuditEvent::Source;

namespace {
AuditEvent makeEvent(const QString &persona, const QString &resource, Decision decision = Decision::Allow,
                     Source source = Source::Proxy, const QStringList &policies = {},
                     const QJsonObject &details = {})
{
    AuditEvent e;
    e.source = source;
    e.persona = persona;
    e.action = QStringLiteral("connect");
    e.resource = resource;
    e.decision = decision;
    e.policies = policies;
    e.setDetails(details);
    return e;
}

AuditBatch numbered(const QString &prefix, int count, const QString &persona = QStringLiteral("agent"))
{
    AuditBatch batch;
    for (int i = 0; i < count; ++i)
        batch << makeEvent(persona, QStringLiteral("%1-%2").arg(prefix).arg(i));
    return batch;
}

QString number(qint64 n)
{
    return QLocale().toString(n);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestAuditPage : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<AuditLogPage> m_page;

    AuditStore *store() const { return m_engine->auditStore(); }
    AuditModel *model() const { return m_page->model(); }
    template <typename T> T *child(const char *name) const
    {
        return m_page->findChild<T *>(QString::fromLatin1(name));
    }
    QTableView *view() const { return child<QTableView>("auditView"); }
    QScrollBar *bar() const { return view()->verticalScrollBar(); }
    QString resourceAt(int row) const { return model()->event(row).resource; }
    int rowOf(const QString &resource) const
    {
        for (int row = 0; row < model()->rowCount(); ++row)
            if (model()->event(row).resource == resource)
                return row;
        return -1;
    }

    // Appends and waits until every event is durable.
    [[nodiscard]] bool append(const AuditBatch &events)
    {
        auto acked = std::make_shared<std::atomic<int>>(0);
        auto failed = std::make_shared<std::atomic<int>>(0);
        for (const AuditEvent &e : events)
            store()->append(e, [acked, failed](const Result<qint64> &seq) {
                ++*acked;
                if (!seq)
                    ++*failed;
            });
        return QTest::qWaitFor([&] { return acked->load() == int(events.size()); }, 30000) &&
               failed->load() == 0;
    }

    [[nodiscard]] bool openPage()
    {
        m_page = std::make_unique<AuditLogPage>(*m_engine);
        m_page->resize(1200, 800);
        m_page->show();
        return QTest::qWaitForWindowExposed(m_page.get()) && loaded();
    }

    [[nodiscard]] bool loaded() const
    {
        return QTest::qWaitFor([this] { return !m_page->isLoading(); }, 10000);
    }

    template <typename T> static T *waitForModal(const char *name)
    {
        T *found = nullptr;
        const bool shown = QTest::qWaitFor([&] {
            auto *w = qobject_cast<T *>(QApplication::activeModalWidget());
            found = w && w->objectName() == QLatin1StringView(name) ? w : nullptr;
            return found != nullptr;
        });
        return shown ? found : nullptr;
    }

    bool atBottom() const { return bar()->maximum() > 0 && bar()->value() == bar()->maximum(); }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); // "1,234"
        m_engine = std::make_unique<Engine>();
        m_engine->start();
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), Engine::State::Running, 10000);
        QTRY_VERIFY(store()->lastSeq() >= 1); // engine.start
    }

    void cleanup() { m_page.reset(); }

    void cleanupTestCase() { m_engine->stop(); }

    void showsHistoryThenFollowsLiveEvents()
    {
        // Written before the window opens: read from the store, the newest page of them.
        QVERIFY(append(numbered(QStringLiteral("history"), 1000)));
        QVERIFY(openPage());
        QCOMPARE(model()->rowCount(), AuditLogPage::PageSize);
        QCOMPARE(resourceAt(model()->rowCount() - 1), QStringLiteral("history-999"));
        QCOMPARE(resourceAt(0), QStringLiteral("history-500"));
        QCOMPARE(model()->lastSeq(), store()->lastSeq());
        QVERIFY(child<QLabel>("auditStatus")->text().contains(QStringLiteral("500 events shown")));

        // A few thousand live events stream in, the view staying at the newest.
        auto *follow = child<QToolButton>("followButton");
        QVERIFY(follow->isChecked());
        const AuditBatch live = numbered(QStringLiteral("live"), 3000);
        for (qsizetype i = 0; i < live.size(); i += 300) {
            QVERIFY(append(live.mid(i, 300)));
            QTRY_COMPARE(model()->rowCount(), AuditLogPage::PageSize + int(i) + 300);
            QVERIFY(atBottom());
        }
        QCOMPARE(resourceAt(model()->rowCount() - 1), QStringLiteral("live-2999"));
        QCOMPARE(model()->lastSeq(), store()->lastSeq());
        // In order, and each once.
        for (int row = 1; row < model()->rowCount(); ++row)
            QCOMPARE(model()->event(row).seq, model()->event(row - 1).seq + 1);
        QVERIFY(follow->isChecked());
        QTRY_VERIFY(atBottom());
    }

    void pauseCountsAndResumeInserts()
    {
        QVERIFY(openPage());
        const int rows = model()->rowCount();
        auto *pause = child<QToolButton>("pauseButton");
        auto *counter = child<QLabel>("newEventsLabel");
        QVERIFY(!counter->isVisible());
        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(m_page->isPaused());
        QVERIFY(counter->isVisible());
        QCOMPARE(counter->text(), QStringLiteral("0 new"));

        QVERIFY(append(numbered(QStringLiteral("paused"), 1234)));
        QTRY_COMPARE(counter->text(), QStringLiteral("1,234 new"));
        QTest::qWait(100); // and nothing more arrives in the view
        QCOMPARE(model()->rowCount(), rows);
        QCOMPARE(rowOf(QStringLiteral("paused-0")), -1);

        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(!m_page->isPaused());
        QCOMPARE(model()->rowCount(), rows + 1234);
        QCOMPARE(resourceAt(model()->rowCount() - 1), QStringLiteral("paused-1233"));
        QCOMPARE(model()->event(rows).resource, QStringLiteral("paused-0"));
        QVERIFY(!counter->isVisible());
        QTRY_VERIFY(atBottom());
    }

    void scrollingUpStopsFollowingAndTheTopLoadsOlderEvents()
    {
        QVERIFY(openPage());
        QCOMPARE(model()->rowCount(), AuditLogPage::PageSize);
        auto *follow = child<QToolButton>("followButton");
        QTRY_VERIFY(atBottom());

        // The user scrolls up a page: following stops, and new events no longer move the view.
        bar()->triggerAction(QAbstractSlider::SliderPageStepSub);
        QTRY_VERIFY(!follow->isChecked());
        const int value = bar()->value();
        QVERIFY(value < bar()->maximum());
        QVERIFY(append(numbered(QStringLiteral("reading"), 50)));
        QTRY_COMPARE(model()->rowCount(), AuditLogPage::PageSize + 50);
        QTest::qWait(50);
        QCOMPARE(bar()->value(), value);
        QVERIFY(!follow->isChecked());

        // At the top the page before is read and put above, the view staying where it was.
        const qint64 first = model()->firstSeq();
        QSignalSpy loaded(m_page.get(), &AuditLogPage::historyLoaded);
        bar()->triggerAction(QAbstractSlider::SliderToMinimum);
        QVERIFY(loaded.wait());
        QCOMPARE(model()->rowCount(), 2 * AuditLogPage::PageSize + 50);
        QCOMPARE(model()->firstSeq(), first - AuditLogPage::PageSize);
        QCOMPARE(model()->event(view()->rowAt(0)).seq, first);
        QVERIFY(bar()->value() > 0);

        // Back at the bottom, following resumes.
        bar()->triggerAction(QAbstractSlider::SliderToMaximum);
        QTRY_VERIFY(follow->isChecked());
        QVERIFY(append(numbered(QStringLiteral("following-again"), 5)));
        QTRY_COMPARE(resourceAt(model()->rowCount() - 1), QStringLiteral("following-again-4"));
        QTRY_VERIFY(atBottom());
    }

    void filtersApplyToHistoryAndLiveEvents()
    {
        // Written before the window opens, so only a query of the store can find them.
        AuditBatch mixed;
        const Decision cycle[] = {Decision::Allow, Decision::Deny, Decision::WouldDeny, Decision::Info};
        for (int i = 0; i < 60; ++i)
            mixed << makeEvent(QStringLiteral("filter-persona"), QStringLiteral("f-%1").arg(i), cycle[i % 4]);
        mixed << makeEvent(QStringLiteral("filter-persona"), QStringLiteral("needle-xyz.example:443"),
                           Decision::Allow, Source::Git);
        QVERIFY(append(mixed));
        QVERIFY(openPage());

        // Deny only: deny and would-deny, nothing else.
        auto *decision = child<QComboBox>("decisionFilter");
        decision->setCurrentIndex(1);
        QVERIFY(m_page->isLoading());
        QVERIFY(child<QLabel>("auditStatus")->text().startsWith(QStringLiteral("Loading")));
        QVERIFY(loaded());
        QVERIFY(model()->rowCount() >= 30);
        for (int row = 0; row < model()->rowCount(); ++row)
            QVERIFY2(model()->event(row).isDenial(), qPrintable(resourceAt(row)));

        // A persona, typed (applied once typing pauses).
        auto *persona = child<QComboBox>("personaFilter");
        QVERIFY(persona->findText(QStringLiteral("filter-persona")) > 0); // seen, offered
        persona->lineEdit()->setFocus();
        QTest::keyClicks(persona->lineEdit(), QStringLiteral("filter-persona"));
        QTRY_COMPARE(m_page->filter().persona, QStringLiteral("filter-persona"));
        QVERIFY(loaded());
        QCOMPARE(model()->rowCount(), 30);
        for (int row = 0; row < model()->rowCount(); ++row) {
            QCOMPARE(model()->event(row).persona, QStringLiteral("filter-persona"));
            QVERIFY(model()->event(row).isDenial());
        }

        // The same filter on live events.
        QVERIFY(
            append({makeEvent(QStringLiteral("filter-persona"), QStringLiteral("live-allow")),
                    makeEvent(QStringLiteral("filter-persona"), QStringLiteral("live-deny"), Decision::Deny),
                    makeEvent(QStringLiteral("other"), QStringLiteral("other-deny"), Decision::Deny)}));
        QTRY_COMPARE(model()->rowCount(), 31);
        QCOMPARE(resourceAt(30), QStringLiteral("live-deny"));
        QTest::qWait(100);
        QCOMPARE(model()->rowCount(), 31);

        decision->setCurrentIndex(0);
        QVERIFY(loaded());
        QCOMPARE(model()->rowCount(), 63);

        // Free text over action, resource and details.
        auto *text = child<QLineEdit>("textFilter");
        QTest::keyClicks(text, QStringLiteral("NEEDLE-xyz"));
        QTRY_COMPARE(m_page->filter().text, QStringLiteral("NEEDLE-xyz"));
        QVERIFY(loaded());
        QCOMPARE(model()->rowCount(), 1);
        QCOMPARE(resourceAt(0), QStringLiteral("needle-xyz.example:443"));
        text->clear();
        QTRY_VERIFY(m_page->filter().text.isEmpty());

        // A source.
        auto *source = child<QComboBox>("sourceFilter");
        QCOMPARE(source->count(), 1 + int(AuditEvent::allSources().size()));
        source->setCurrentIndex(source->findData(int(Source::Git)));
        QVERIFY(loaded());
        QCOMPARE(model()->rowCount(), 1);
        QCOMPARE(model()->event(0).source, Source::Git);
    }

    void aTextSearchReachesBackThroughTheWholeLog()
    {
        // Text is not indexed: the page reads stretches of the log in the background until it
        // has found enough, so an old match under hundreds of thousands of newer events is found.
        AuditBatch old = numbered(QStringLiteral("haystack-old"), 3);
        old << makeEvent(QStringLiteral("agent"), QStringLiteral("deep-needle.example:443"));
        QVERIFY(append(old));
        const int newer = int(AuditReader::TextScanRows * 3 / 2);
        AuditBatch hay;
        for (int i = 0; i < newer; ++i)
            hay << makeEvent(QStringLiteral("agent"), QStringLiteral("hay-%1").arg(i));
        QVERIFY(append(hay));
        QVERIFY(openPage());
        auto *text = child<QLineEdit>("textFilter");
        QTest::keyClicks(text, QStringLiteral("deep-NEEDLE"));
        QTRY_COMPARE(m_page->filter().text, QStringLiteral("deep-NEEDLE"));
        QTRY_VERIFY_WITH_TIMEOUT(model()->rowCount() == 1 && !m_page->isLoading(), 20000);
        QCOMPARE(resourceAt(0), QStringLiteral("deep-needle.example:443"));
        // Searched to the start: nothing older is promised.
        QTRY_VERIFY(child<QLabel>("auditStatus")->text().contains(QStringLiteral("1 events shown.")));
        text->clear();
        QTRY_VERIFY(m_page->filter().text.isEmpty());
    }

    void aTimeRangeShowsAndCanBeRemoved()
    {
        QVERIFY(append(numbered(QStringLiteral("range"), 10, QStringLiteral("range-persona"))));
        QVERIFY(openPage());
        AuditFilter filter;
        filter.persona = QStringLiteral("range-persona");
        m_page->setFilter(filter);
        QVERIFY(loaded());
        QCOMPARE(model()->rowCount(), 10);
        auto *range = child<QToolButton>("timeRangeButton");
        QVERIFY(!range->isVisible());

        filter.sinceUs = model()->event(6).timeUs;
        int expected = 0;
        for (int row = 0; row < model()->rowCount(); ++row)
            expected += model()->event(row).timeUs >= *filter.sinceUs;
        m_page->setFilter(filter);
        QVERIFY(loaded());
        QVERIFY(range->isVisible());
        QVERIFY(range->text().startsWith(QStringLiteral("Since ")));
        QCOMPARE(model()->rowCount(), expected);
        QVERIFY(expected < 10);

        QTest::mouseClick(range, Qt::LeftButton);
        QVERIFY(loaded());
        QVERIFY(!range->isVisible());
        QVERIFY(!m_page->filter().sinceUs);
        QCOMPARE(m_page->filter().persona, QStringLiteral("range-persona"));
        QCOMPARE(model()->rowCount(), 10);
    }

    void detailsShowTheEventAndItsPlaceInTheChain()
    {
        QVERIFY(append(
            {makeEvent(QStringLiteral("agent"), QStringLiteral("details.example:443"), Decision::Deny,
                       Source::Proxy, {QStringLiteral("no-plain-http")}, {{QStringLiteral("port"), 443}})}));
        QVERIFY(openPage());
        auto *json = child<QPlainTextEdit>("detailsJson");
        auto *hash = child<QLabel>("detailsHash");
        auto *chain = child<QLabel>("detailsChain");
        auto *open = child<QToolButton>("openPolicyButton");
        QVERIFY(m_page->findChild<QWidget *>(QStringLiteral("detailsPane"))->isVisible());
        QVERIFY(json->toPlainText().isEmpty());
        QVERIFY(!open->isEnabled());

        const int row = rowOf(QStringLiteral("details.example:443"));
        QVERIFY(row > 0);
        view()->selectRow(row);
        const AuditEvent e = model()->event(row);
        QVERIFY(json->toPlainText().contains(QStringLiteral("\"resource\": \"details.example:443\"")));
        QVERIFY(json->toPlainText().contains(QStringLiteral("no-plain-http")));
        QVERIFY(hash->text().contains(QString::fromLatin1(e.hash.toHex())));
        QVERIFY(hash->text().contains(QStringLiteral("matches the event")));
        auto *prev = child<QLabel>("detailsPrevHash");
        QVERIFY(prev->text().contains(QString::fromLatin1(e.prevHash.toHex())));
        QVERIFY(prev->text().contains(QStringLiteral("that of event %1").arg(number(e.seq - 1))));
        QCOMPARE(chain->text(), QStringLiteral("Event %1 of %2; chained onto event %3.")
                                    .arg(number(e.seq), number(store()->lastSeq()), number(e.seq - 1)));
        QVERIFY(open->isEnabled());

        // An event no policy decided has nothing to open.
        QVERIFY(model()->event(row - 1).policies.isEmpty());
        view()->selectRow(row - 1);
        QVERIFY(!json->toPlainText().contains(QStringLiteral("details.example")));
        QVERIFY(!open->isEnabled());
    }

    void openPolicyLandsOnThePolicyInTheEditor()
    {
        // A set without @id annotations: its policies are policy0, policy1, … by position.
        const QString custom = QStringLiteral("permit (principal, action == Paddock::Action::\"connect\", "
                                              "resource) when { resource.port == 443 };\n"
                                              "forbid (principal, action == Paddock::Action::\"connect\", "
                                              "resource) when { resource.port == 80 };\n");
        const auto saved = m_engine->policyStore()->save(QStringLiteral("custom"), custom);
        QVERIFY2(saved.has_value(), qPrintable(saved ? QString() : saved.error().text()));
        QVERIFY(append({makeEvent(QStringLiteral("agent"), QStringLiteral("open-policy-1"), Decision::Deny,
                                  Source::Git, {QStringLiteral("protected-branches")},
                                  {{QStringLiteral("policySet"), QStringLiteral("restricted")}}),
                        makeEvent(QStringLiteral("custom"), QStringLiteral("open-policy-2"), Decision::Deny,
                                  Source::Proxy, {QStringLiteral("policy1")})}));

        Settings settings(m_dir.filePath(QStringLiteral("settings.json")));
        DesktopShell shell(settings, *m_engine, nullptr);
        shell.start(false);
        QVERIFY(QTest::qWaitForWindowExposed(shell.mainWindow()));
        QVERIFY(shell.mainWindow()->pageIds().contains(QStringLiteral("audit")));
        QVERIFY(shell.mainWindow()->pageIds().indexOf(QStringLiteral("audit")) <
                shell.mainWindow()->pageIds().indexOf(QStringLiteral("log")));
        QVERIFY(shell.mainWindow()->showPage(QStringLiteral("audit")));
        AuditLogPage *page = shell.auditPage();
        QTRY_VERIFY(!page->isLoading());
        QSignalSpy requested(page, &AuditLogPage::openPolicyRequested);
        auto *auditView = page->findChild<QTableView *>(QStringLiteral("auditView"));
        auto *open = page->findChild<QToolButton *>(QStringLiteral("openPolicyButton"));
        const auto select = [page, auditView](const QString &resource) {
            for (int row = page->model()->rowCount() - 1; row >= 0; --row)
                if (page->model()->event(row).resource == resource) {
                    auditView->selectRow(row);
                    return true;
                }
            return false;
        };

        QVERIFY(select(QStringLiteral("open-policy-1")));
        QVERIFY(open->isEnabled());
        QTest::mouseClick(open, Qt::LeftButton);
        QCOMPARE(requested.count(), 1);
        QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("restricted"));
        QCOMPARE(requested.at(0).at(1).toString(), QStringLiteral("protected-branches"));
        QCOMPARE(shell.mainWindow()->currentPageId(), QStringLiteral("policies"));
        PolicyEditorPage *editor = shell.policyPage();
        QCOMPARE(editor->currentSet(), QStringLiteral("restricted"));
        QString selected = editor->editor()->textCursor().selectedText();
        QVERIFY2(selected.startsWith(QStringLiteral("@id(\"protected-branches\")")), qPrintable(selected));
        QVERIFY(
            selected.contains(QStringLiteral("forbid (principal, action == Paddock::Action::\"git-push\"")));
        QVERIFY(!selected.contains(QStringLiteral("agent-branches")));

        // The persona's own set, and a policy named by its position; unsaved edits are asked about
        // first, as when switching sets by hand.
        editor->editor()->moveCursor(QTextCursor::End);
        editor->editor()->insertPlainText(QStringLiteral("\n// unsaved note\n"));
        QVERIFY(editor->isModified());
        QVERIFY(shell.mainWindow()->showPage(QStringLiteral("audit")));
        QVERIFY(select(QStringLiteral("open-policy-2")));
        QTest::mouseClick(open, Qt::LeftButton);
        auto *box = waitForModal<QMessageBox>("unsavedChangesBox");
        QVERIFY(box);
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTRY_VERIFY(QApplication::activeModalWidget() == nullptr);
        QCOMPARE(editor->currentSet(), QStringLiteral("restricted"));
        QVERIFY(editor->isModified());

        QVERIFY(shell.mainWindow()->showPage(QStringLiteral("audit")));
        QTest::mouseClick(open, Qt::LeftButton);
        box = waitForModal<QMessageBox>("unsavedChangesBox");
        QVERIFY(box);
        QTest::mouseClick(box->button(QMessageBox::Discard), Qt::LeftButton);
        QTRY_COMPARE(editor->currentSet(), QStringLiteral("custom"));
        QCOMPARE(requested.count(), 3);
        QCOMPARE(requested.at(2), requested.at(1));
        QCOMPARE(requested.at(1).at(0).toString(), QStringLiteral("custom"));
        QCOMPARE(requested.at(1).at(1).toString(), QStringLiteral("policy1"));
        QCOMPARE(shell.mainWindow()->currentPageId(), QStringLiteral("policies"));
        QCOMPARE(editor->currentSet(), QStringLiteral("custom"));
        selected = editor->editor()->textCursor().selectedText();
        QCOMPARE(selected, custom.split(QLatin1Char('\n')).at(1));
    }

    void exportsTheSelectionAndTheFilteredEvents()
    {
        AuditBatch batch;
        for (int i = 0; i < 20; ++i)
            batch << makeEvent(QStringLiteral("export-persona"),
                               QStringLiteral("export, \"quoted\" %1").arg(i),
                               i % 2 ? Decision::Deny : Decision::Allow);
        QVERIFY(append(batch));
        QVERIFY(openPage());
        QSignalSpy finished(m_page.get(), &AuditLogPage::exportFinished);

        // The selection, in the view's order.
        const int last = model()->rowCount() - 1;
        const QList<int> rows{last - 30, last - 10, last - 2};
        for (int row : rows)
            view()->selectionModel()->select(model()->index(row, 0),
                                             QItemSelectionModel::Select | QItemSelectionModel::Rows);
        const QString jsonl = m_dir.filePath(QStringLiteral("selection.jsonl"));
        m_page->exportSelection(jsonl);
        QVERIFY(finished.wait());
        QCOMPARE(finished.last().at(0).toBool(), true);
        QCOMPARE(finished.last().at(1).toLongLong(), 3);
        QByteArray expected;
        for (int row : rows)
            expected += model()->event(row).toJsonLine() + '\n';
        QCOMPARE(readAll(jsonl), expected);
        QVERIFY(child<QLabel>("exportResult")->text().contains(QStringLiteral("Exported 3 events")));

        const QString csv = m_dir.filePath(QStringLiteral("selection.csv"));
        m_page->exportSelection(csv);
        QVERIFY(finished.wait());
        QCOMPARE(finished.last().at(1).toLongLong(), 3);
        expected = AuditReader::csvHeader();
        for (int row : rows)
            expected += AuditReader::csvRow(model()->event(row));
        QCOMPARE(readAll(csv), expected);

        // Everything that matches the filters, from the store.
        AuditFilter filter;
        filter.persona = QStringLiteral("export-persona");
        filter.decisions = {Decision::Deny, Decision::WouldDeny};
        m_page->setFilter(filter);
        QCOMPARE(child<QComboBox>("decisionFilter")->currentIndex(), 1);
        QCOMPARE(child<QComboBox>("personaFilter")->currentText(), QStringLiteral("export-persona"));
        QVERIFY(loaded());
        QCOMPARE(model()->rowCount(), 10);
        const QString filtered = m_dir.filePath(QStringLiteral("filtered.jsonl"));
        m_page->exportFiltered(filtered);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.last().at(0).toBool(), true);
        QCOMPARE(finished.last().at(1).toLongLong(), 10);
        expected.clear();
        for (int row = 0; row < model()->rowCount(); ++row)
            expected += model()->event(row).toJsonLine() + '\n';
        QCOMPARE(readAll(filtered), expected);

        const QString filteredCsv = m_dir.filePath(QStringLiteral("filtered.csv"));
        m_page->exportFiltered(filteredCsv);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.last().at(1).toLongLong(), 10);
        expected = AuditReader::csvHeader();
        for (int row = 0; row < model()->rowCount(); ++row)
            expected += AuditReader::csvRow(model()->event(row));
        QCOMPARE(readAll(filteredCsv), expected);

        // Nothing selected: nothing written, and the user is told.
        view()->clearSelection();
        const QString none = m_dir.filePath(QStringLiteral("none.jsonl"));
        m_page->exportSelection(none);
        QCOMPARE(finished.last().at(0).toBool(), false);
        QVERIFY(!QFile::exists(none));
        QVERIFY(child<QLabel>("exportResult")->text().contains(QStringLiteral("Select the events")));

        // Each export that was written is a user action in the log.
        AuditFilter exports;
        exports.source = AuditEvent::Source::User;
        exports.text = QStringLiteral("audit.export");
        QTRY_VERIFY([&] {
            auto reader = AuditReader::open(store()->databasePath());
            auto page = reader ? reader->page(exports) : Result<AuditPage>(std::unexpected(reader.error()));
            return page && page->events.size() == 4;
        }());
        auto reader = AuditReader::open(store()->databasePath());
        const AuditEvent newest = reader->page(exports)->events.first();
        QCOMPARE(newest.resource, filteredCsv);
        QCOMPARE(newest.detailsObject().value(QStringLiteral("events")).toInteger(), 10);
        QCOMPARE(newest.detailsObject().value(QStringLiteral("format")).toString(), QStringLiteral("csv"));
    }

    void verifyShowsAnIntactLogAndRecordsTheCheck()
    {
        QVERIFY(openPage());
        const qint64 events = store()->lastSeq();
        QSignalSpy finished(m_page.get(), &AuditLogPage::verifyFinished);
        QTest::mouseClick(child<QPushButton>("verifyButton"), Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().at(0).toBool(), true);
        auto *result = child<QLabel>("verifyResult");
        QVERIFY(result->isVisible());
        const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral("intact: ([0-9,]+) events checked .* ([0-9,]+) events/s"))
                .match(result->text());
        QVERIFY2(m.hasMatch(), qPrintable(result->text()));
        QCOMPARE(m.captured(1), number(events));
        QVERIFY(!child<QWidget>("verifyProgress")->isVisible());

        // The check is an audit event of its own, and it arrives live.
        QTRY_VERIFY(model()->lastSeq() > events);
        const AuditEvent recorded = model()->event(model()->rowCount() - 1);
        QCOMPARE(recorded.action, QStringLiteral("audit.verify"));
        QCOMPARE(recorded.source, Source::User);
        QCOMPARE(recorded.detailsObject().value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));
        QCOMPARE(recorded.detailsObject().value(QStringLiteral("checked")).toInteger(), events);
    }

    // Last: it damages the log.
    void verifyListsWhatWasTamperedWith()
    {
        QVERIFY(openPage());
        const qint64 target = store()->lastSeq() - 5;
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(store()->databasePath().toUtf8().constData(), &db), SQLITE_OK);
        const QByteArray sql =
            "UPDATE events SET resource = 'evil.example:443' WHERE seq = " + QByteArray::number(target);
        char *message = nullptr;
        const int rc = sqlite3_exec(db, sql.constData(), nullptr, nullptr, &message);
        sqlite3_close(db);
        QVERIFY2(rc == SQLITE_OK, message);

        const qint64 before = store()->lastSeq();
        QSignalSpy finished(m_page.get(), &AuditLogPage::verifyFinished);
        QTest::mouseClick(child<QPushButton>("verifyButton"), Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        const QString text = child<QLabel>("verifyResult")->text();
        QVERIFY2(text.contains(QStringLiteral("Event %1: %2")
                                   .arg(number(target), AuditVerification::problemName(
                                                            AuditVerification::Problem::Modified))),
                 qPrintable(text));
        QTRY_VERIFY(model()->lastSeq() > before);
        const AuditEvent recorded = model()->event(model()->rowCount() - 1);
        QCOMPARE(recorded.action, QStringLiteral("audit.verify"));
        QCOMPARE(recorded.detailsObject().value(QStringLiteral("outcome")).toString(),
                 QStringLiteral("failed"));
        QCOMPARE(recorded.detailsObject().value(QStringLiteral("findings")).toInt(), 1);
    }
};

QTEST_MAIN(TestAuditPage)
#include "test_audit_page.moc"
