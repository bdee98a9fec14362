#include "LogPage.h"

#include "LogModel.h"
#include "log/AppLog.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

namespace paddock {

LogPage::LogPage(AppLog *log, QWidget *parent)
    : QWidget(parent)
    , m_model(new LogModel(log ? log->capacity() : AppLog::DefaultCapacity, this))
    , m_view(new QTableView(this))
    , m_follow(new QCheckBox(tr("&Follow new messages"), this))
{
    setObjectName(QStringLiteral("logPage"));
    m_view->setObjectName(QStringLiteral("logView"));
    m_follow->setObjectName(QStringLiteral("followCheck"));
    m_follow->setChecked(true);

    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->setColumnWidth(LogModel::TimeColumn, m_view->fontMetrics().horizontalAdvance(
                                                     QStringLiteral("0000-00-00 00:00:00.000  ")));
    m_view->setColumnWidth(LogModel::CategoryColumn,
                           m_view->fontMetrics().horizontalAdvance(QStringLiteral("paddock.engine.xxxxxx")));

    auto *clear = new QPushButton(tr("&Clear"), this);
    clear->setObjectName(QStringLiteral("clearLogButton"));
    connect(clear, &QPushButton::clicked, m_model, &LogModel::clear);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_follow);
    bar->addStretch();
    bar->addWidget(clear);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_view);

    // Scrolling up stops following; scrolling back to the end resumes it.
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (m_view->verticalScrollBar()->isSliderDown())
            m_follow->setChecked(value == m_view->verticalScrollBar()->maximum());
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow->isChecked())
            m_view->scrollToBottom();
    });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_view->scrollToBottom();
    });

    if (log) {
        m_model->append(log->history());
        connect(log, &AppLog::entriesAdded, m_model, &LogModel::append);
    }
}

} // namespace paddock
