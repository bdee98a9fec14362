#pragma once

#include <QMainWindow>

#include <functional>

class QLabel;
class QListWidget;
class QStackedWidget;
class QFrame;

namespace paddock {

class Engine;
class Settings;

// The frame every Paddock window plugs into: a sidebar listing the pages, the page itself, a
// banner for problems the user must see, and the engine's state in the status bar.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    MainWindow(Settings &settings, Engine &engine, QWidget *parent = nullptr);

    void addPage(const QString &id, const QIcon &icon, const QString &title, QWidget *page);
    QString currentPageId() const;
    bool showPage(const QString &id);
    QStringList pageIds() const;

    // Decides what closing the window does: hide to the tray (true) or quit (false).
    void setHideOnClose(std::function<bool()> hideOnClose) { m_hideOnClose = std::move(hideOnClose); }
    // The application is quitting: a close now closes (QApplication closes every window on quit,
    // and a window that refused would cancel the quit).
    void setQuitting() { m_quitting = true; }
    // Geometry, window state and the current page into the settings.
    void saveState();
    void restoreState();

signals:
    void hiddenOnClose();
    void quitRequested();
    void preferencesRequested();
    void aboutRequested();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateEngineState();

    Settings &m_settings;
    Engine &m_engine;
    QListWidget *m_pageList;
    QStackedWidget *m_pages;
    QFrame *m_banner;
    QLabel *m_bannerText;
    QLabel *m_engineStatus;
    std::function<bool()> m_hideOnClose;
    bool m_firstPaintReported = false;
    bool m_quitting = false;
};

} // namespace paddock
