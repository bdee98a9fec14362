#pragma once

#include "audit/AuditEvent.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <deque>

namespace paddock {

class AuditStore;
class AuditSubscription;
class Settings;

// Tells the user when many actions are denied at once: when `threshold` deny or would-deny events
// arrive within `window`, notify() once, then stays quiet for `quiet`. What is denied meanwhile
// is counted and, if it is a burst too, told in one message when the quiet time is over.
// Off while Settings::denyNotifications() is false.
class DenyNotifier final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DenyNotifier)

public:
    struct Timing
    {
        int threshold = 5;
        std::chrono::milliseconds window{10'000};
        std::chrono::milliseconds quiet{60'000};
    };

    DenyNotifier(AuditStore &store, Settings &settings, QObject *parent = nullptr);
    DenyNotifier(AuditStore &store, Settings &settings, Timing timing, QObject *parent = nullptr);
    ~DenyNotifier() override;

    bool isEnabled() const { return m_enabled; }
    // Whether a notification was shown less than `quiet` ago.
    bool isQuiet() const { return m_quietTimer.isActive(); }

signals:
    void notify(const QString &title, const QString &text);

private:
    struct Denied
    {
        qint64 timeUs;
        QString persona;
        QString resource;
    };
    struct Tally
    {
        qint64 total = 0;
        QHash<QString, qint64> personas;
        QHash<QString, qint64> resources;
        void add(const QString &persona, const QString &resource);
    };

    void setEnabled(bool enabled);
    void addEvents(const AuditBatch &batch);
    void quietEnded();
    void fire(const Tally &tally, std::chrono::milliseconds period);

    AuditStore &m_store;
    Settings &m_settings;
    const Timing m_timing;
    AuditSubscription *m_subscription;
    bool m_enabled = false;
    qint64 m_enabledAfterSeq = 0; // events up to this one were committed while off
    std::deque<Denied> m_recent;  // within `window` of the newest; fewer than `threshold`
    Tally m_held;                 // denied while quiet
    QTimer m_quietTimer;
};

} // namespace paddock
