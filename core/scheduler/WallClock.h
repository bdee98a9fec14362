#pragma once

#include <QDBusConnection>
#include <QDateTime>
#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <optional>

class QFileSystemWatcher;
class QSocketNotifier;
class QTimer;

namespace paddock {

// The wall clock as the scheduler service needs it: a timer at an instant of real time that keeps
// to it across suspend (a CLOCK_REALTIME timerfd), and word of whatever moves the wall clock under
// a schedule: the clock set (clockChanged), the machine sleeping and waking (aboutToSleep, woke),
// the system's time zone changed (zoneChanged).
//
// Sleep comes from systemd-logind's PrepareForSleep on the system bus. Without logind (no system
// bus in a container or CI, or logind not running) it is found after the fact: the time the
// machine spent suspended (CLOCK_BOOTTIME - CLOCK_MONOTONIC) is compared at every timer event, at
// the timerfd's wake-up on resume (the kernel reports a resume to it as a clock change), and every
// few minutes; woke() then tells the suspended span ending now, without aboutToSleep() before it,
// and before a due() the sleep made late. With logind, the resume's timer event is not a second
// report of the sleep, but an instant passed asleep may be due() before logind's woke().
//
// A clock change is a discontinuous set (date -s, timedatectl set-time, an NTP step), not NTP's
// slewing. It cannot be tested without setting the machine's clock; its handling is tested through
// the readTimer seam.
//
// Lives on the thread that made it (the scheduler service's); call every method there.
class WallClock final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WallClock)

public:
    // A read(2) of the timerfd: the byte count or -1, and errno.
    struct TimerRead
    {
        qint64 result = -1;
        int error = 0;
    };
    // What a read of the timerfd means.
    enum class TimerEvent {
        Expired,  // the armed instant came
        ClockSet, // the clock was set, or the machine resumed (ECANCELED); the timer must be re-armed
        Nothing,  // spurious wake-up
        Failed,   // the timer is unusable
    };

    struct Options
    {
        // Where logind's PrepareForSleep comes from; none: the system bus.
        std::optional<QDBusConnection> bus;
        // The files that name the system's time zone, each watched through its folder (they are
        // replaced, not written); empty: zone changes are not followed.
        QStringList zoneFiles{QStringLiteral("/etc/localtime"), QStringLiteral("/etc/timezone")};
        // Without logind: how often the clocks are compared to find a sleep nobody announced.
        std::chrono::milliseconds sleepCheckInterval{std::chrono::minutes(3)};
        // Seams for tests. How the timerfd is read (unset: read(2)); how long the machine has been
        // suspended since it booted (unset: CLOCK_BOOTTIME - CLOCK_MONOTONIC).
        std::function<TimerRead(int fd)> readTimer;
        std::function<std::chrono::nanoseconds()> suspendedTime;
    };

    explicit WallClock(QObject *parent = nullptr);
    explicit WallClock(Options options, QObject *parent = nullptr);
    ~WallClock() override;

    // due() once when the real-time clock reaches `at` (a past instant: at once, from the event
    // loop). Replaces what was armed; an invalid `at` disarms.
    void arm(const QDateTime &at);
    void disarm();
    // UTC; invalid when disarmed or after due().
    QDateTime armedAt() const { return m_armed; }

    // Whether aboutToSleep() and woke() come from logind, or woke() only, estimated.
    bool sleepWatched() const { return m_logind; }
    // Whether clockChanged() can come at all (the kernel takes TFD_TIMER_CANCEL_ON_SET).
    bool clockChangesWatched() const { return m_fd >= 0 && m_cancelOnSet; }
    // What is followed and how, for a person (the status line, the log, once it is known: at first,
    // on a system bus, the answer whether logind is there is awaited).
    QString status() const { return m_status; }

    static TimerEvent classifyRead(const TimerRead &read);
    // CLOCK_BOOTTIME - CLOCK_MONOTONIC: how long the machine has been suspended since it booted.
    static std::chrono::nanoseconds suspendedSinceBoot();

signals:
    void due();
    void clockChanged();
    void aboutToSleep();
    // UTC. Without logind: estimated from the time spent suspended, ending when it was noticed.
    void woke(const QDateTime &sleptAt, const QDateTime &wokeAt);
    void zoneChanged();
    void statusChanged(const QString &status);

private slots:
    // logind's org.freedesktop.login1.Manager.PrepareForSleep, through QtDBus (which needs a slot).
    void onPrepareForSleep(bool sleeping);

private:
    void startTimer();
    void useFallbackTimer(int error);
    void program(const QDateTime &at);
    void onTimerReadable();
    void onFallbackTimer();
    void startSleepWatch();
    void setLogind(bool present);
    std::chrono::nanoseconds suspended() const;
    // Suspended time not yet told; advances the mark.
    std::chrono::nanoseconds takeSuspended();
    void checkSuspended();
    void startZoneWatch();
    void rewatchZoneFiles();
    void checkZone();
    QByteArray zoneFingerprint() const;
    void updateStatus();

    Options m_options;
    QDBusConnection m_bus;
    QDateTime m_armed;

    int m_fd = -1;
    bool m_cancelOnSet = true;
    QString m_timerProblem;
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_fallbackTimer = nullptr; // when there is no timerfd

    bool m_subscribed = false; // to PrepareForSleep
    bool m_logind = false;     // and logind is there
    bool m_asking = false;     // whether it is there
    QDateTime m_sleptAt;
    std::chrono::nanoseconds m_suspendMark{0}; // suspended time told so far
    std::chrono::nanoseconds m_suspendSeen{0}; // at the last ECANCELED: was it a resume?
    QTimer *m_sleepCheck = nullptr;

    QFileSystemWatcher *m_zoneWatcher = nullptr;
    QTimer *m_zoneSettle = nullptr;
    QByteArray m_zone;

    bool m_started = false;
    QString m_status;
};

} // namespace paddock
