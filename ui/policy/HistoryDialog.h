#pragma once

#include "policy/PolicyStore.h"

#include <QDialog>
#include <QFutureWatcher>

class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace paddock {

// The saved versions of a policy set, newest first: each shown as a diff against the text in the
// editor, and any of them can be made current again (it is checked and saved like an edit).
class HistoryDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryDialog)

public:
    HistoryDialog(PolicyStore &store, const QString &name, const QString &current, QWidget *parent = nullptr);
    ~HistoryDialog() override;

    // A unified line diff of `from` → `to` ("-" removed, "+" added, " " kept).
    static QString diff(const QString &from, const QString &to);

signals:
    void reverted(const QString &name);

private:
    void showVersion(int row);

    PolicyStore &m_store;
    const QString m_name;
    const QString m_current;
    QList<PolicyStore::Version> m_versions;
    QListWidget *m_list;
    QPlainTextEdit *m_diff;
    QPushButton *m_revert;
    QFutureWatcher<QString> m_loader;
    QFutureWatcher<Result<void>> m_reverter;
};

} // namespace paddock
