#pragma once

#include <QWidget>

class QTableView;
class QCheckBox;

namespace paddock {

class AppLog;
class LogModel;

// Paddock's own log: what the engine and its components reported, newest last, following the
// end unless the user scrolls away or turns following off.
class LogPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogPage)

public:
    explicit LogPage(AppLog *log, QWidget *parent = nullptr);

    LogModel *model() const { return m_model; }

private:
    LogModel *m_model;
    QTableView *m_view;
    QCheckBox *m_follow;
};

} // namespace paddock
