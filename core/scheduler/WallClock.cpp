#include "scheduler/WallClock.h"

#include <QCryptographicHash>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <sys/timerfd.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace paddock {

namespace {
Q_LOGGING_CATEGORY(lcWallClock, "paddock.scheduler.clock")

const QString Logind = u"org.freedesktop.login1"_s;
const QString LogindPath = u"/org/freedesktop/login1"_s;
const QString LogindManager = u"org.freedesktop.login1.Manager"_s;

// Less than this suspended is noise between two clock reads, not a sleep.
constexpr std::chrono::nanoseconds SleepThreshold = std::chrono::seconds(1);
// A replaced zone file comes with several events (the new link, the rename, /etc/timezone).
constexpr std::chrono::milliseconds ZoneSettle{200};
// Without a timerfd: how far a QTimer (which stops while the machine sleeps) is trusted.
constexpr std::chrono::milliseconds FallbackStep = std::chrono::minutes(1);
// Zone files are small; more is not a zone file.
constexpr qint64 ZoneFileLimit = 1 << 20;

std::chrono::nanoseconds sinceBoot(clockid_t clock)
{
    timespec t{};
    ::clock_gettime(clock, &t);
    return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

// Armed while nothing is due, so that clock changes are still reported.
QDateTime farFuture()
{
    return QDateTime::currentDateTimeUtc().addYears(100);
}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}
} // namespace

WallClock::WallClock(QObject *parent)
    : WallClock(Options{}, parent)
{}

WallClock::WallClock(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_bus(m_options.bus ? *m_options.bus : QDBusConnection::systemBus())
{
    m_suspendMark = m_suspendSeen = suspended();
    startTimer();
    startSleepWatch();
    startZoneWatch();
    m_started = true;
    updateStatus();
}

WallClock::~WallClock()
{
    if (m_subscribed)
        m_bus.disconnect(Logind, LogindPath, LogindManager, u"PrepareForSleep"_s, this,
                         SLOT(onPrepareForSleep(bool)));
    delete m_notifier;
    if (m_fd >= 0)
        ::close(m_fd);
}

void WallClock::arm(const QDateTime &at)
{
    if (!at.isValid()) {
        disarm();
        return;
    }
    m_armed = at.toUTC();
    program(m_armed);
}

void WallClock::disarm()
{
    m_armed = {};
    program({});
}

WallClock::TimerEvent WallClock::classifyRead(const TimerRead &read)
{
    if (read.result == sizeof(std::uint64_t))
        return TimerEvent::Expired;
    if (read.result >= 0)
        return TimerEvent::Failed; // a timerfd gives 8 bytes or nothing
    switch (read.error) {
    case ECANCELED:
        return TimerEvent::ClockSet;
    case EAGAIN:
    case EINTR:
        return TimerEvent::Nothing;
    default:
        return TimerEvent::Failed;
    }
}

std::chrono::nanoseconds WallClock::suspendedSinceBoot()
{
    const auto monotonic = sinceBoot(CLOCK_MONOTONIC);
    const auto boot = sinceBoot(CLOCK_BOOTTIME);
    return std::max(boot - monotonic, std::chrono::nanoseconds(0));
}

// --- The timer ---

void WallClock::startTimer()
{
    m_fd = ::timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (m_fd < 0) {
        useFallbackTimer(errno);
        return;
    }
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &WallClock::onTimerReadable);
    program({});
}

// No timerfd, or a broken one: a QTimer in steps, which the machine's sleep holds up by a step.
void WallClock::useFallbackTimer(int error)
{
    m_timerProblem = tr("No timerfd (%1): the timer keeps to the wall clock within a minute, and a changed "
                        "clock is not noticed.")
                         .arg(errnoText(error));
    delete m_notifier;
    m_notifier = nullptr;
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    m_fallbackTimer = new QTimer(this);
    m_fallbackTimer->setSingleShot(true);
    m_fallbackTimer->setTimerType(Qt::PreciseTimer);
    connect(m_fallbackTimer, &QTimer::timeout, this, &WallClock::onFallbackTimer);
    program(m_armed);
}

// Arms the timer at `at`, or far ahead (still reporting clock changes) when `at` is invalid.
void WallClock::program(const QDateTime &at)
{
    if (m_fd < 0) {
        if (!m_fallbackTimer)
            return;
        if (!at.isValid()) {
            m_fallbackTimer->stop();
            return;
        }
        const auto left = std::chrono::milliseconds(QDateTime::currentDateTimeUtc().msecsTo(at));
        m_fallbackTimer->start(std::clamp(left, std::chrono::milliseconds(0), FallbackStep));
        return;
    }
    const qint64 ms = (at.isValid() ? at : farFuture()).toMSecsSinceEpoch();
    itimerspec spec{};
    if (ms > 0) {
        spec.it_value.tv_sec = static_cast<time_t>(ms / 1000);
        spec.it_value.tv_nsec = static_cast<long>(ms % 1000) * 1000000L;
    } else {
        spec.it_value.tv_nsec = 1; // long past: at once (zero would disarm)
    }
    const int flags = TFD_TIMER_ABSTIME | (m_cancelOnSet ? TFD_TIMER_CANCEL_ON_SET : 0);
    if (::timerfd_settime(m_fd, flags, &spec, nullptr) == 0)
        return;
    const int error = errno;
    if (error == EINVAL && m_cancelOnSet) {
        // An old kernel or a sandbox without TFD_TIMER_CANCEL_ON_SET: the timer still keeps to the
        // wall clock, only a changed clock goes unnoticed.
        m_cancelOnSet = false;
        m_timerProblem = tr("The kernel does not report a changed clock to timers: a clock set by hand is "
                            "noticed at the next scheduled time.");
        updateStatus();
        program(at);
        return;
    }
    qCWarning(lcWallClock).noquote() << "timerfd_settime:" << errnoText(error);
}

void WallClock::onTimerReadable()
{
    TimerRead read;
    if (m_options.readTimer) {
        read = m_options.readTimer(m_fd);
    } else {
        std::uint64_t expirations = 0;
        read.result = ::read(m_fd, &expirations, sizeof expirations);
        read.error = read.result < 0 ? errno : 0;
    }
    switch (classifyRead(read)) {
    case TimerEvent::Nothing:
        return;
    case TimerEvent::Failed:
        qCWarning(lcWallClock).noquote() << "reading the timerfd failed:" << errnoText(read.error);
        useFallbackTimer(read.error); // not a busy loop on a broken descriptor
        updateStatus();
        return;
    case TimerEvent::ClockSet: {
        program(m_armed); // a set clock ends the arming; an instant now past fires at once
        // Also how a resume shows (the kernel treats it as a set clock): then time went by asleep,
        // and it is a wake (logind's, or else the clocks' to tell), not a changed clock.
        const auto total = suspended();
        const bool resumed = total - m_suspendSeen >= SleepThreshold;
        m_suspendSeen = total;
        if (resumed)
            checkSuspended();
        else
            emit clockChanged();
        return;
    }
    case TimerEvent::Expired:
        break;
    }
    checkSuspended(); // a sleep first: it explains why the instant came late
    const bool wasArmed = m_armed.isValid();
    m_armed = {};
    program({});
    if (wasArmed)
        emit due();
}

void WallClock::onFallbackTimer()
{
    checkSuspended();
    if (!m_armed.isValid())
        return;
    if (QDateTime::currentDateTimeUtc() < m_armed) {
        program(m_armed);
        return;
    }
    m_armed = {};
    emit due();
}

// --- Sleep ---

void WallClock::startSleepWatch()
{
    m_sleepCheck = new QTimer(this);
    m_sleepCheck->setTimerType(Qt::VeryCoarseTimer);
    m_sleepCheck->setInterval(m_options.sleepCheckInterval);
    connect(m_sleepCheck, &QTimer::timeout, this, &WallClock::checkSuspended);
    m_sleepCheck->start();

    if (!m_bus.isConnected())
        return;
    m_subscribed = m_bus.connect(Logind, LogindPath, LogindManager, u"PrepareForSleep"_s, this,
                                 SLOT(onPrepareForSleep(bool)));
    if (!m_subscribed)
        return;
    m_asking = true;
    // logind may come and go (restarted, or a bus without it); follow whether it is there.
    auto *watcher = new QDBusServiceWatcher(Logind, m_bus, QDBusServiceWatcher::WatchForOwnerChange, this);
    connect(watcher, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString &, const QString &, const QString &owner) { setLogind(!owner.isEmpty()); });
    const auto ask = QDBusMessage::createMethodCall(u"org.freedesktop.DBus"_s, u"/org/freedesktop/DBus"_s,
                                                    u"org.freedesktop.DBus"_s, u"NameHasOwner"_s)
                     << Logind;
    auto *pending = new QDBusPendingCallWatcher(m_bus.asyncCall(ask), this);
    connect(pending, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher *call) {
        const QDBusPendingReply<bool> reply = *call;
        if (reply.isError()) {
            qCWarning(lcWallClock).noquote()
                << "asking the system bus for systemd-logind:" << reply.error().message();
            m_asking = false;
            updateStatus();
        } else {
            setLogind(reply.value());
        }
        call->deleteLater();
    });
}

void WallClock::setLogind(bool present)
{
    m_asking = false;
    if (present != m_logind) {
        if (present)
            checkSuspended(); // what the clocks found so far is told before logind takes over
        m_logind = present;
        m_sleptAt = {};
        if (present)
            m_sleepCheck->stop();
        else
            m_sleepCheck->start();
    }
    updateStatus();
}

void WallClock::onPrepareForSleep(bool sleeping)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (sleeping) {
        m_sleptAt = now;
        emit aboutToSleep();
        return;
    }
    // The suspended time corrects a PrepareForSleep(true) handled late (the process was frozen
    // before it got to it) or never.
    const auto total = suspended();
    const auto asleep = std::chrono::duration_cast<std::chrono::milliseconds>(total - m_suspendMark);
    m_suspendMark = total;
    QDateTime sleptAt = m_sleptAt.isValid() ? std::min(m_sleptAt, now) : now;
    if (asleep >= SleepThreshold)
        sleptAt = std::min(sleptAt, now.addMSecs(-asleep.count()));
    m_sleptAt = {};
    emit woke(sleptAt, now);
}

std::chrono::nanoseconds WallClock::suspended() const
{
    return m_options.suspendedTime ? m_options.suspendedTime() : suspendedSinceBoot();
}

std::chrono::nanoseconds WallClock::takeSuspended()
{
    const auto grown = suspended() - m_suspendMark;
    if (grown < SleepThreshold)
        return std::chrono::nanoseconds(0);
    m_suspendMark += grown;
    return grown;
}

// Without logind: a sleep nobody announced, found from the time spent suspended.
void WallClock::checkSuspended()
{
    if (m_logind)
        return;
    const auto asleep = std::chrono::duration_cast<std::chrono::milliseconds>(takeSuspended());
    if (asleep.count() == 0)
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    emit woke(now.addMSecs(-asleep.count()), now);
}

// --- The time zone ---

void WallClock::startZoneWatch()
{
    if (m_options.zoneFiles.isEmpty())
        return;
    m_zoneWatcher = new QFileSystemWatcher(this);
    m_zoneSettle = new QTimer(this);
    m_zoneSettle->setSingleShot(true);
    m_zoneSettle->setInterval(ZoneSettle);
    connect(m_zoneSettle, &QTimer::timeout, this, &WallClock::checkZone);
    connect(m_zoneWatcher, &QFileSystemWatcher::directoryChanged, m_zoneSettle, qOverload<>(&QTimer::start));
    connect(m_zoneWatcher, &QFileSystemWatcher::fileChanged, m_zoneSettle, qOverload<>(&QTimer::start));
    // The folder sees a file replaced (a rename over it); the file itself (through a symbolic
    // link: its target) sees the zone's rules rewritten in place.
    QStringList folders;
    for (const QString &file : std::as_const(m_options.zoneFiles))
        folders << QFileInfo(file).absolutePath();
    folders.removeDuplicates();
    for (const QString &folder : std::as_const(folders)) {
        if (!m_zoneWatcher->addPath(folder))
            qCWarning(lcWallClock).noquote() << "cannot watch" << folder << "for time zone changes";
    }
    rewatchZoneFiles();
    m_zone = zoneFingerprint();
}

// A replaced file is a new inode: the old watch went with the old one.
void WallClock::rewatchZoneFiles()
{
    const QStringList watched = m_zoneWatcher->files();
    if (!watched.isEmpty())
        m_zoneWatcher->removePaths(watched);
    for (const QString &file : std::as_const(m_options.zoneFiles)) {
        if (QFileInfo::exists(file))
            m_zoneWatcher->addPath(file);
    }
}

void WallClock::checkZone()
{
    rewatchZoneFiles();
    QByteArray zone = zoneFingerprint();
    if (zone == m_zone)
        return; // something else in /etc changed, or the same zone was set again
    m_zone = std::move(zone);
    emit zoneChanged();
}

// Where each zone file points and what it holds.
QByteArray WallClock::zoneFingerprint() const
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QString &path : std::as_const(m_options.zoneFiles)) {
        hash.addData(QFile::encodeName(path));
        hash.addData(QByteArrayView("\0", 1));
        hash.addData(QFile::encodeName(QFileInfo(path).readSymLink()));
        hash.addData(QByteArrayView("\0", 1));
        QFile file(path);
        if (file.open(QIODevice::ReadOnly))
            hash.addData(file.read(ZoneFileLimit));
        hash.addData(QByteArrayView("\0", 1));
    }
    return hash.result();
}

// --- Status ---

void WallClock::updateStatus()
{
    if (!m_started)
        return; // the constructor says it once, when it knows all
    QString sleep;
    if (m_logind)
        sleep = tr("Sleep and wake come from systemd-logind.");
    else if (!m_bus.isConnected())
        sleep = tr("No system bus (%1): a sleep is noticed from the clocks after the machine wakes.")
                    .arg(m_bus.lastError().message());
    else if (!m_subscribed)
        sleep = tr("Cannot follow systemd-logind (%1): a sleep is noticed from the clocks after the "
                   "machine wakes.")
                    .arg(m_bus.lastError().message());
    else if (m_asking)
        sleep = tr("Asking the system bus for systemd-logind.");
    else
        sleep =
            tr("systemd-logind is not there: a sleep is noticed from the clocks after the machine wakes.");
    QString status = m_timerProblem.isEmpty() ? sleep : m_timerProblem + u' ' + sleep;
    if (status == m_status)
        return;
    m_status = std::move(status);
    if (!m_asking) // said once it is known
        qCInfo(lcWallClock).noquote() << m_status;
    emit statusChanged(m_status);
}

} // namespace paddock
