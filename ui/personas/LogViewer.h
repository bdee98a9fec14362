#pragma once

#include "runtime/EngineClient.h"

#include <QDialog>
#include <QTimer>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QToolButton;

namespace paddock {

// A persona's container log as it is written: the newest lines at the bottom (followed while
// Follow is on), stderr in red, at most `capacity` lines kept, and a search that highlights every
// match and steps through them. Lines arrive in batches (appendLines) and are inserted at most
// every BatchIntervalMs in one edit.
class LogViewer final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogViewer)

public:
    static constexpr int DefaultCapacity = 10'000;
    static constexpr int BatchIntervalMs = 50;
    static constexpr int MaxHighlighted = 2'000;

    explicit LogViewer(const QString &persona, int capacity = DefaultCapacity, QWidget *parent = nullptr);

    QString persona() const { return m_persona; }
    void appendLines(const QList<EngineClient::LogLine> &lines);
    // Inserts what is waiting now (the timer does it otherwise).
    void flush();

    int lineCount() const;
    QString text() const;
    bool isFollowing() const;
    void setFollowing(bool follow);
    // Searches for `text` (case-insensitive) and highlights the matches; findNext/findPrevious
    // move the current one.
    void setSearchText(const QString &text);
    void findNext();
    void findPrevious();
    int matchCount() const { return m_matchCount; }
    // The line (0-based block number) of the current match, -1 when none.
    int currentMatchLine() const;
    QPlainTextEdit *textView() const { return m_view; }

private:
    void highlight();
    void find(bool backward);
    void updateMatchLabel();

    QString m_persona;
    QList<EngineClient::LogLine> m_pending;
    QTimer m_batchTimer;
    QTimer m_highlightTimer;
    int m_lines = 0;
    int m_matchCount = 0;

    QPlainTextEdit *m_view;
    QCheckBox *m_follow;
    QLineEdit *m_search;
    QToolButton *m_previous;
    QToolButton *m_next;
    QLabel *m_matches;
};

} // namespace paddock
