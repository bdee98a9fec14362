#pragma once

#include "personas/Persona.h"
#include "runtime/PersonaRuntime.h"

#include <QElapsedTimer>
#include <QFrame>
#include <QFutureWatcher>
#include <QTimer>

#include <deque>

class QChartView;
class QLabel;
class QLineSeries;
class QMimeData;
class QToolButton;
class QValueAxis;

namespace paddock {

// One persona in the Personas window: its name, trust, state, uptime, CPU and memory sparklines,
// ports and workspace, and the buttons that act on it. A local folder dropped on it asks for a
// workspace (workspaceDropped). The card only shows and asks; PersonasPage carries the requests
// to the runtime.
class PersonaCard final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PersonaCard)

public:
    static constexpr int RefreshIntervalMs = 1000; // sparklines are redrawn at most this often
    static constexpr int SparklineSamples = 60;

    explicit PersonaCard(const Persona &persona, QWidget *parent = nullptr);
    ~PersonaCard() override;

    QString name() const { return m_persona.name; }
    const Persona &persona() const { return m_persona; }
    void setPersona(const Persona &persona);
    const PersonaStatus &status() const { return m_status; }
    void setStatus(const PersonaStatus &status);
    void setEngineConnected(bool connected);
    // Whether VS Code (`code`) is installed: only then is "Open in VS Code" shown.
    void setVsCodeAvailable(bool available);
    void addSample(const PersonaSample &sample);

    // Whether the card is on screen: only then are the sparklines redrawn and the uptime ticks.
    void setOnScreen(bool onScreen);
    bool isOnScreen() const { return m_onScreen; }

    // A line on the card: a refused drop, a failed action (`problem`: in red). Empty hides it.
    void showMessage(const QString &text, bool problem);
    QString message() const;

    // The persona's image is not in the engine: says so, with "Build agent image…"
    // (buildImageRequested). Once built, showImageBuilt offers to start the persona. Hidden again
    // by clearImageNotice, and when the persona starts.
    void showImageMissing(const QString &image);
    void showImageBuilt(const QString &image);
    // The image is Paddock's agent image from another recipe: "Update agents…" rebuilds it
    // (buildImageRequested); the persona still starts on the old one.
    void showImageOutdated(const QString &image);
    bool isImageOutdatedShown() const { return m_imageOutdated; }
    void clearImageNotice();
    bool isImageMissingShown() const { return m_imageMissing; }
    QString imageNotice() const;

    bool isDropHighlighted() const { return m_dropHighlighted; }
    int refreshCount() const { return m_refreshCount; }
    qsizetype sampleCount() const { return qsizetype(m_samples.size()); }

    static QString trustText(Persona::Trust trust);
    static QColor trustColor(Persona::Trust trust);
    // "3 h 04 min", "12 min 05 s", "40 s"
    static QString durationText(qint64 seconds);

signals:
    void startRequested();
    void stopRequested();
    void restartRequested();
    void logsRequested();
    void copyShellRequested();
    void openTerminalRequested();
    void openVsCodeRequested();
    void signInRequested();
    void editRequested();
    void duplicateRequested();
    void deleteRequested();
    // Only offered for isolated personas in record mode: draft a policy from what it did.
    void suggestPolicyRequested();
    // A local folder was dropped on the card (its canonical path).
    void workspaceDropped(const QString &localPath);
    void buildImageRequested();

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragLeaveEvent(QDragLeaveEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    struct DropCheck
    {
        QString path;
        bool isDir = false;
    };

    QToolButton *addButton(const char *name, const QString &text, const QString &icon, int fallback);
    void setDropHighlighted(bool highlighted);
    // Why `event`'s data cannot be a workspace; empty when it names one local path.
    static QString refusal(const QMimeData *data);
    void dropChecked(const DropCheck &check);
    void updatePersonaLabels();
    void updateStatusLabels();
    void updateButtons();
    void updateUptime();
    void updateTimer();
    void scheduleRefresh();
    void refresh();

    Persona m_persona;
    PersonaStatus m_status;
    bool m_engineConnected = false;
    bool m_onScreen = false;
    bool m_dropHighlighted = false;
    bool m_imageMissing = false;
    QFutureWatcher<DropCheck> m_dropWatcher;

    std::deque<PersonaSample> m_samples;
    bool m_dirty = false;
    int m_refreshCount = 0;
    QTimer m_refreshTimer;
    QElapsedTimer m_sinceRefresh;
    QTimer m_uptimeTimer;

    QLabel *m_name;
    QLabel *m_trust;
    QLabel *m_relaxed;
    QLabel *m_state;
    QLabel *m_uptime;
    QLabel *m_ports;
    QLabel *m_workspace;
    QLabel *m_message;
    QFrame *m_imageNotice;
    QLabel *m_imageNoticeText;
    QToolButton *m_buildImage;
    QToolButton *m_startNow;
    QLabel *m_cpuLabel;
    QLabel *m_memoryLabel;
    QChartView *m_cpuView;
    QChartView *m_memoryView;
    QLineSeries *m_cpuSeries;
    QLineSeries *m_memorySeries;
    QValueAxis *m_cpuX;
    QValueAxis *m_cpuY;
    QValueAxis *m_memoryX;
    QValueAxis *m_memoryY;
    QToolButton *m_start;
    QToolButton *m_stop;
    QToolButton *m_restart;
    QToolButton *m_logs;
    bool m_imageOutdated = false;
    QToolButton *m_shell;
    QToolButton *m_terminal;
    QToolButton *m_vscode;
    QToolButton *m_signIn;
    QToolButton *m_edit;
    QToolButton *m_duplicate;
    QToolButton *m_delete;
    QToolButton *m_suggestPolicy;
};

} // namespace paddock
