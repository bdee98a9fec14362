#include "MainWindow.h"
#include "WarningBanner.h"

#include "Icons.h"
#include "config/Settings.h"
#include "engine/Engine.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>
#include <QWindow>

#include <cstdio>
#include <ctime>

namespace paddock {

namespace {
constexpr int PageIdRole = Qt::UserRole + 1;
}

MainWindow::MainWindow(Settings &settings, Engine &engine, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_engine(engine)
    , m_pageList(new QListWidget)
    , m_pages(new QStackedWidget)
    , m_banner(new QFrame)
    , m_bannerText(new QLabel)
    , m_engineStatus(new QLabel)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Paddock"));
    setWindowIcon(Icons::application());

    m_pageList->setObjectName(QStringLiteral("pageList"));
    m_pageList->setIconSize(QSize(22, 22));
    m_pageList->setSpacing(2);
    m_pageList->setFrameShape(QFrame::NoFrame);
    m_pageList->setMinimumWidth(150);
    m_pages->setObjectName(QStringLiteral("pages"));

    // The banner: problems that need the user, where the user is looking.
    m_banner->setObjectName(QStringLiteral("problemBanner"));
    styleAsWarningBanner(m_banner);
    auto *bannerIcon = new QLabel;
    bannerIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(24, 24));
    m_bannerText->setObjectName(QStringLiteral("problemText"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->addWidget(bannerIcon, 0, Qt::AlignTop);
    bannerLayout->addWidget(m_bannerText, 1);
    m_banner->hide();

    auto *splitter = new QSplitter;
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(m_pageList);
    splitter->addWidget(m_pages);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({180, 820});

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_banner);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    m_engineStatus->setObjectName(QStringLiteral("engineStatus"));
    statusBar()->addPermanentWidget(m_engineStatus);

    QMenu *app = menuBar()->addMenu(tr("&Paddock"));
    QAction *prefs = app->addAction(Icons::themed(QStringLiteral("configure")), tr("&Preferences…"));
    prefs->setObjectName(QStringLiteral("preferencesAction"));
    prefs->setShortcut(QKeySequence::Preferences);
    prefs->setMenuRole(QAction::PreferencesRole);
    connect(prefs, &QAction::triggered, this, &MainWindow::preferencesRequested);
    app->addSeparator();
    QAction *quit = app->addAction(Icons::themed(QStringLiteral("application-exit")), tr("&Quit"));
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(
        QKeySequence(Qt::CTRL | Qt::Key_Q)); // not every platform theme binds QKeySequence::Quit
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &MainWindow::quitRequested);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(Icons::application(), tr("&About Paddock"));
    about->setObjectName(QStringLiteral("aboutAction"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, &MainWindow::aboutRequested);
    QAction *aboutQt = help->addAction(tr("About &Qt"));
    aboutQt->setObjectName(QStringLiteral("aboutQtAction"));
    aboutQt->setMenuRole(QAction::AboutQtRole);
    connect(aboutQt, &QAction::triggered, qApp, &QApplication::aboutQt);

    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    connect(&m_engine, &Engine::stateChanged, this, &MainWindow::updateEngineState);
    connect(&m_engine, &Engine::problemsChanged, this, &MainWindow::updateEngineState);
    updateEngineState();
    resize(1000, 680);
}

void MainWindow::addPage(const QString &id, const QIcon &icon, const QString &title, QWidget *page)
{
    auto *item = new QListWidgetItem(icon, title, m_pageList);
    item->setData(PageIdRole, id);
    m_pages->addWidget(page);
    if (m_pageList->currentRow() < 0)
        m_pageList->setCurrentRow(0);
}

QStringList MainWindow::pageIds() const
{
    QStringList ids;
    for (int i = 0; i < m_pageList->count(); ++i)
        ids << m_pageList->item(i)->data(PageIdRole).toString();
    return ids;
}

QString MainWindow::currentPageId() const
{
    const QListWidgetItem *item = m_pageList->currentItem();
    return item ? item->data(PageIdRole).toString() : QString();
}

bool MainWindow::showPage(const QString &id)
{
    const int row = int(pageIds().indexOf(id));
    if (row < 0)
        return false;
    m_pageList->setCurrentRow(row);
    return true;
}

void MainWindow::saveState()
{
    m_settings.setValue(Settings::Key::MainWindowGeometry, saveGeometry());
    m_settings.setValue(Settings::Key::MainWindowState, QMainWindow::saveState());
    m_settings.setValue(Settings::Key::CurrentPage, currentPageId());
}

void MainWindow::restoreState()
{
    if (const QByteArray geometry = m_settings.mainWindowGeometry(); !geometry.isEmpty())
        restoreGeometry(geometry);
    if (const QByteArray state = m_settings.mainWindowState(); !state.isEmpty())
        QMainWindow::restoreState(state);
    if (const QString page = m_settings.currentPage(); !page.isEmpty())
        showPage(page);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveState();
    if (m_quitting) {
        event->accept();
        return;
    }
    if (m_hideOnClose && m_hideOnClose()) {
        event->ignore();
        hide();
        emit hiddenOnClose();
        return;
    }
    event->accept();
    emit quitRequested();
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (!m_firstPaintReported && windowHandle() && qEnvironmentVariableIsSet("PADDOCK_REPORT_FIRST_PAINT"))
        windowHandle()->installEventFilter(this);
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // For bench/startup: the first expose paints the window; right after it, print the monotonic clock.
    if (watched == windowHandle() && event->type() == QEvent::Expose && windowHandle()->isExposed() &&
        !m_firstPaintReported) {
        m_firstPaintReported = true;
        windowHandle()->removeEventFilter(this);
        QTimer::singleShot(0, this, [] {
            timespec now{};
            clock_gettime(CLOCK_MONOTONIC, &now);
            std::fprintf(stderr, "paddock-first-paint %lld\n",
                         static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
            std::fflush(stderr);
        });
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::updateEngineState()
{
    m_engineStatus->setText(m_engine.statusText());
    const QList<Error> problems = m_engine.problems();
    QStringList lines;
    for (const Error &problem : problems)
        lines << problem.text().toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    m_bannerText->setText(lines.join(QStringLiteral("<hr>")));
    m_banner->setVisible(!problems.isEmpty());
}

} // namespace paddock
