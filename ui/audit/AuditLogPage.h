#pragma once

#include "audit/AuditQuery.h"
#include "audit/AuditVerifier.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QWidget>

#include <atomic>
#include <functional>
#include <memory>

class QComboBox;
class QFrame;
class QHBoxLayout;
class QIODevice;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QProgressDialog;
class QMenu;
class QPushButton;
class QTableView;
class QToolButton;

namespace paddock {

class AuditModel;
class AuditStore;
class AuditSubscription;
class Engine;

// The Audit page: the audit log as it is written. Live events arrive at the bottom (followed
// unless the user scrolls up or pauses), older ones are read from the store as the user scrolls
// to the top, the same filters narrow both, the chosen event is shown in full with its place in
// the hash chain, the selection or everything that matches can be exported, and the whole chain
// can be verified. Every read of the store runs on a worker thread.
//
// (Named AuditLogPage because paddock::AuditPage is the core's page of query results.)
class AuditLogPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditLogPage)

public:
    static constexpr int PageSize = 500;
    static constexpr int FilterDelayMs = 250;

    explicit AuditLogPage(Engine &engine, QWidget *parent = nullptr);
    ~AuditLogPage() override;

    AuditModel *model() const { return m_model; }
    const AuditFilter &filter() const { return m_filter; }
    // Shows what matches `filter`: the controls follow, and a time range shows as a button that
    // removes it.
    void setFilter(const AuditFilter &filter);
    bool isFollowing() const;
    void setFollowing(bool follow);
    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);
    bool isLoading() const { return m_loading || m_loadingOlder; }

    // Writes the selected events, or every event that matches the filters, to `path`: CSV when
    // it ends in .csv, else JSON Lines. The file dialogs of the Export menu end up here.
    void exportSelection(const QString &path);
    void exportFiltered(const QString &path);
    // Checks the whole hash chain (or stops a check that is running).
    void verify();

    // "Allow this host…" on the event in the details pane (a proxy deny or would-deny): a permit
    // for its persona and host:port, offered through policySuggested for the persona's set.
    bool canAllowHost() const;
    void allowHost();
    // "Suggest policy": drafts a policy from every proxy event of `persona` in the log (read off
    // the UI thread), then offers it through policySuggested. Problems show in the status line.
    void suggestPolicy(const QString &persona);
    bool isDrafting() const { return m_draftWatcher.isRunning(); }

signals:
    // The user wants to see the policy that decided an event.
    void openPolicyRequested(const QString &setName, const QString &policyId);
    // A drafted policy for the set `setName`, to be added to the editor for review (not saved).
    void policySuggested(const QString &setName, const QString &policyText);
    // A read of the store (the newest page or an older one) is shown, or its error is.
    void historyLoaded();
    void exportFinished(bool ok, qint64 events, const QString &path);
    void verifyFinished(bool ok);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Load
    {
        Result<AuditPage> page;
        int generation = 0;
        bool older = false;
        qint64 beforeSeq = 0;
        qint64 anchorSeq = 0; // the first row shown when an older page was asked for
    };
    struct ExportOutcome
    {
        Result<qint64> written = 0;
        QString path;
        bool cancelled = false;
    };
    struct VerifyOutcome
    {
        Result<AuditVerification> verification;
        qint64 elapsedMs = 0;
        bool cancelled = false;
    };
    struct MessagePanel
    {
        QFrame *frame = nullptr;
        QLabel *icon = nullptr;
        QLabel *text = nullptr;
    };
    enum class Tone { Good, Neutral, Bad };
    // A row and where it is in the viewport, to keep it in place while rows come and go above it.
    struct Anchor
    {
        qint64 seq = 0;
        int y = 0;
    };
    struct Draft
    {
        Result<QString> text = QString();
        QString persona;
        qint64 events = 0;
    };
    using Writer = std::function<Result<qint64>(QIODevice &out, const std::function<bool(qint64)> &progress)>;

    QHBoxLayout *buildFilterBar();
    QWidget *buildDetails();
    AuditFilter filterFromControls() const;
    void applyFilters();
    void reload();
    void loadOlder();
    void continueSearch();
    void startLoad(qint64 beforeSeq, bool older);
    void showLoad(const Load &load);
    void receive(const AuditBatch &batch);
    void missed(qint64 fromSeq, qint64 toSeq);
    void hold(const AuditBatch &events);
    void insertLive(const AuditBatch &events);
    void resume();
    void updateNewEventsLabel();
    void noteUserScroll();
    void scrollToNewest();
    Anchor anchor() const;
    void restore(const Anchor &anchor);
    void notePersonas(const AuditBatch &batch);
    void showDetails();
    void openPolicy(const QString &policyId);
    // The policy set of `persona`'s trust level; empty (and the status says why) when unknown.
    QString policySetFor(const QString &persona);
    void showDraft(const Draft &draft);
    void updateSuggestButton();
    void chooseExportFile(bool selection);
    void startExport(const QString &path, Writer write, bool withProgress);
    void showExport(const ExportOutcome &outcome);
    void showVerification(const VerifyOutcome &outcome);
    MessagePanel makeMessagePanel(const QString &name);
    void showMessage(const MessagePanel &panel, Tone tone, const QString &text);
    void setStatus(const QString &text, bool problem = false);
    void showShownCount();
    AuditBatch selectedEvents() const;

    Engine &m_engine;
    AuditStore *m_store;
    AuditSubscription *m_subscription;
    AuditModel *m_model;
    QTableView *m_view;
    QToolButton *m_follow;
    QToolButton *m_pause;
    QLabel *m_newEvents;
    QComboBox *m_persona;
    QComboBox *m_source;
    QComboBox *m_decision;
    QLineEdit *m_text;
    QToolButton *m_range;
    QLabel *m_status;
    QToolButton *m_export;
    QPushButton *m_verify;
    QProgressBar *m_verifyProgress;
    MessagePanel m_verifyPanel;
    MessagePanel m_exportPanel;
    QWidget *m_details;
    QLabel *m_detailsChain;
    QLabel *m_detailsHash;
    QLabel *m_detailsPrevHash;
    QPlainTextEdit *m_detailsJson;
    QToolButton *m_openPolicy;
    QMenu *m_openPolicyMenu;
    QToolButton *m_allowHost;
    QAction *m_allowHostAction;
    QToolButton *m_suggest;

    AuditFilter m_filter;
    QTimer m_filterTimer;
    QTimer m_statusTimer;
    int m_generation = 0;   // bumped by every reload: answers to older questions are dropped
    bool m_loading = false; // the newest page is being read (live events wait in m_held)
    bool m_loadingOlder = false;
    bool m_moreOlder = false;  // the store has older matching events than the first row
    qint64 m_resumeBefore = 0; // where the next older page starts (a text search reads in stretches)
    bool m_paused = false;
    bool m_settingFilter = false;
    bool m_statusProblem = false;
    AuditEvent m_detailsEvent; // seq 0: none
    // Live events not in the view yet (while paused or loading), oldest first. At most the
    // model's capacity: past that they are only counted and the newest page is read again.
    AuditBatch m_held;
    qint64 m_heldCount = 0;
    bool m_heldOverflow = false; // stopped holding: the newest page is read again on resume
    bool m_heldInexact = false;  // the live feed skipped events: the count is a lower bound
    QSet<QString> m_personas;

    QFutureWatcher<Load> m_loadWatcher;
    QFutureWatcher<ExportOutcome> m_exportWatcher;
    QFutureWatcher<VerifyOutcome> m_verifyWatcher;
    QFutureWatcher<Draft> m_draftWatcher;
    std::shared_ptr<std::atomic<bool>> m_draftCancel;
    std::shared_ptr<std::atomic<bool>> m_exportCancel;
    std::shared_ptr<std::atomic<bool>> m_verifyCancel;
    QPointer<QProgressDialog> m_exportProgress;
};

} // namespace paddock
