#pragma once

#include "policy/PolicyStore.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

namespace paddock {

class CodeEditor;

// The policy editor: one policy set at a time, checked as you type (off the UI thread), with its
// problems listed and underlined, a what-if panel that evaluates a request against the text in
// the editor, and saving that refuses invalid text, versions every save and can revert.
class PolicyEditorPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PolicyEditorPage)

public:
    static constexpr int CheckDelayMs = 300;

    explicit PolicyEditorPage(PolicyStore &store, QWidget *parent = nullptr);
    ~PolicyEditorPage() override;

    CodeEditor *editor() const { return m_editor; }
    QString currentSet() const { return m_current; }
    bool isModified() const;
    // Opens a set (after asking about unsaved changes, answered through `done`).
    void openSet(const QString &name);
    // Opens `set` (asking about unsaved changes as openSet does) and selects the policy `policyId`
    // there: its @id annotation, or policy0, policy1, … by position as the parser names them.
    void showPolicy(const QString &set, const QString &policyId);
    // Opens `set` (asking first when another set has unsaved changes) and appends `policyText` to
    // the editor's text, unsaved and selected, for the user to review and save ("Allow this host…",
    // "Suggest policy").
    void appendSuggestion(const QString &set, const QString &policyText);
    // Asks about unsaved changes if there are any; `proceed` runs unless the user cancels.
    void confirmDiscard(const std::function<void()> &proceed);

    void save();
    void showHistory();
    void importFile(const QString &path);
    void exportFile(const QString &path);
    void evaluate();

signals:
    void checked(bool valid); // a live check finished
    void saved(const QString &name);
    void saveFailed(const QString &message);
    void evaluated();

private:
    void scheduleCheck();
    void startCheck();
    void showCheck(const PolicyCheck &result);
    void loadText(const QString &name, const QString &text);
    bool selectPolicy(const QString &policyId);
    void appendText(const QString &policyText);
    void setStatus(const QString &text, bool problem);
    void reloadSetList();

    PolicyStore &m_store;
    QString m_current;
    QString m_savedText;
    CodeEditor *m_editor;
    QComboBox *m_sets;
    QTreeWidget *m_problems;
    QLabel *m_status;
    QPushButton *m_save;
    // what-if
    QComboBox *m_principal;
    QComboBox *m_action;
    QLineEdit *m_resource;
    QPlainTextEdit *m_entities;
    QPlainTextEdit *m_context;
    QLabel *m_decision;
    QTreeWidget *m_whatIfErrors;

    QTimer m_checkTimer;
    QFutureWatcher<PolicyCheck> m_checkWatcher;
    QFutureWatcher<Result<void>> m_saveWatcher;
    bool m_loading = false;
};

} // namespace paddock
