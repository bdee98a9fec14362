// WallClock as the scheduler service relies on it: an armed instant fires once and never early, a
// past one at once, re-arming replaces and disarming stops; logind's PrepareForSleep (from a fake
// logind on a private D-Bus daemon) becomes aboutToSleep and woke; the time zone file replaced as
// timedatectl does it is noticed, again and again. A set clock cannot be tested without setting
// the machine's clock: its handling is driven through the readTimer seam (ECANCELED), with the
// suspended time faked to tell a resume from a set clock.
#include "scheduler/WallClock.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstdio>

using namespace paddock;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

// Generous: the machine is loaded; a wait only ends this early when something is wrong.
constexpr int Patience = 10000;
// How long a test listens for something that must not come.
constexpr int Quiet = 1000;

const QString Logind = u"org.freedesktop.login1"_s;

// Watches nothing of the system: no bus, no zone files.
WallClock::Options isolated()
{
    WallClock::Options o;
    o.bus = QDBusConnection(u"paddock-test-no-bus"_s); // a name never connected
    o.zoneFiles.clear();
    return o;
}

QDateTime now()
{
    return QDateTime::currentDateTimeUtc();
}

// The machine's suspended time as a test sets it.
struct FakeSuspend
{
    std::shared_ptr<std::chrono::nanoseconds> total = std::make_shared<std::chrono::nanoseconds>(1h);
    std::function<std::chrono::nanoseconds()> source() const
    {
        return [total = total] { return *total; };
    }
};

// Reads the timerfd as the kernel would after the clock was set, `times` times, then really.
std::function<WallClock::TimerRead(int)> canceledThenReal(int times)
{
    auto left = std::make_shared<int>(times);
    return [left](int fd) {
        if (*left > 0) {
            --*left;
            return WallClock::TimerRead{-1, ECANCELED};
        }
        std::uint64_t expirations = 0;
        const auto n = ::read(fd, &expirations, sizeof expirations);
        return WallClock::TimerRead{n, n < 0 ? errno : 0};
    };
}

// A D-Bus daemon of the test's own, where it plays logind.
class PrivateBus
{
public:
    PrivateBus()
    {
        if (QStandardPaths::findExecutable(u"dbus-daemon"_s).isEmpty())
            return;
        m_daemon.start(u"dbus-daemon"_s, {u"--session"_s, u"--nofork"_s, u"--print-address"_s});
        if (!m_daemon.waitForStarted(Patience))
            return;
        while (!m_daemon.canReadLine() && m_daemon.waitForReadyRead(Patience)) {
        }
        m_address = QString::fromUtf8(m_daemon.readLine()).trimmed();
    }
    ~PrivateBus()
    {
        QDBusConnection::disconnectFromBus(u"paddock-test-logind"_s);
        QDBusConnection::disconnectFromBus(u"paddock-test-clock"_s);
        m_daemon.terminate();
        m_daemon.waitForFinished(Patience);
    }
    QString address() const { return m_address; }
    QDBusConnection logind() const
    {
        return QDBusConnection::connectToBus(m_address, u"paddock-test-logind"_s);
    }
    QDBusConnection clock() const
    {
        return QDBusConnection::connectToBus(m_address, u"paddock-test-clock"_s);
    }

private:
    QProcess m_daemon;
    QString m_address;
};

bool prepareForSleep(const QDBusConnection &logind, bool sleeping)
{
    auto signal = QDBusMessage::createSignal(u"/org/freedesktop/login1"_s,
                                             u"org.freedesktop.login1.Manager"_s, u"PrepareForSleep"_s);
    signal << sleeping;
    return logind.send(signal);
}

bool replaceSymlink(const QString &target, const QString &link)
{
    // As timedatectl does: a new link beside the old one, renamed over it.
    const QString fresh = link + u".new"_s;
    QFile::remove(fresh);
    return QFile::link(target, fresh) && std::rename(QFile::encodeName(fresh), QFile::encodeName(link)) == 0;
}

bool replaceFile(const QString &path, const QByteArray &content)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size() && file.commit();
}

} // namespace

class TestWallClock : public QObject
{
    Q_OBJECT

private slots:
    void firesOnceAtTheInstantNotBefore()
    {
        WallClock clock(isolated());
        QDateTime firedAt;
        connect(&clock, &WallClock::due, this, [&firedAt] { firedAt = now(); });
        QSignalSpy due(&clock, &WallClock::due);
        const QDateTime at = now().addMSecs(300);
        clock.arm(at);
        QCOMPARE(clock.armedAt(), at);
        QVERIFY(due.wait(Patience));
        QVERIFY2(firedAt >= at, qPrintable(u"fired %1 ms early"_s.arg(firedAt.msecsTo(at))));
        QVERIFY2(firedAt <= at.addMSecs(5000), qPrintable(u"fired %1 ms late"_s.arg(at.msecsTo(firedAt))));
        QVERIFY(!clock.armedAt().isValid());
        QTest::qWait(Quiet);
        QCOMPARE(due.count(), 1);
    }

    void aPastInstantFiresAtOnceButNotWithinArm()
    {
        WallClock clock(isolated());
        QSignalSpy due(&clock, &WallClock::due);
        clock.arm(now().addSecs(-3600));
        QCOMPARE(due.count(), 0); // from the event loop: the caller finishes what it does first
        QVERIFY(due.wait(Patience));
        QTest::qWait(Quiet / 2);
        QCOMPARE(due.count(), 1);
    }

    void armingAgainReplaces()
    {
        WallClock clock(isolated());
        QSignalSpy due(&clock, &WallClock::due);
        clock.arm(now().addMSecs(100));
        const QDateTime later = now().addSecs(3600);
        clock.arm(later);
        QTest::qWait(Quiet);
        QCOMPARE(due.count(), 0);
        QCOMPARE(clock.armedAt(), later);

        clock.arm(now().addMSecs(100));
        QVERIFY(due.wait(Patience));
        QTest::qWait(Quiet / 2);
        QCOMPARE(due.count(), 1);
    }

    void disarmingStops()
    {
        WallClock clock(isolated());
        QSignalSpy due(&clock, &WallClock::due);
        clock.arm(now().addMSecs(100));
        clock.disarm();
        QVERIFY(!clock.armedAt().isValid());
        QTest::qWait(Quiet);
        QCOMPARE(due.count(), 0);
        // An invalid instant disarms too.
        clock.arm(now().addMSecs(100));
        clock.arm({});
        QTest::qWait(Quiet);
        QCOMPARE(due.count(), 0);
    }

    void timerReadsAreUnderstood_data()
    {
        QTest::addColumn<qint64>("result");
        QTest::addColumn<int>("error");
        QTest::addColumn<WallClock::TimerEvent>("event");
        QTest::newRow("expired") << qint64(8) << 0 << WallClock::TimerEvent::Expired;
        QTest::newRow("clock set") << qint64(-1) << ECANCELED << WallClock::TimerEvent::ClockSet;
        QTest::newRow("nothing yet") << qint64(-1) << EAGAIN << WallClock::TimerEvent::Nothing;
        QTest::newRow("interrupted") << qint64(-1) << EINTR << WallClock::TimerEvent::Nothing;
        QTest::newRow("closed") << qint64(-1) << EBADF << WallClock::TimerEvent::Failed;
        QTest::newRow("short read") << qint64(4) << 0 << WallClock::TimerEvent::Failed;
    }
    void timerReadsAreUnderstood()
    {
        QFETCH(qint64, result);
        QFETCH(int, error);
        QFETCH(WallClock::TimerEvent, event);
        QCOMPARE(WallClock::classifyRead({result, error}), event);
    }

    void aSetClockIsReportedAndTheInstantStillKept()
    {
        WallClock::Options o = isolated();
        o.readTimer = canceledThenReal(1);
        FakeSuspend suspend;
        o.suspendedTime = suspend.source();
        WallClock clock(o);
        QVERIFY(clock.clockChangesWatched());
        QStringList events;
        connect(&clock, &WallClock::clockChanged, this, [&events] { events << u"clockChanged"_s; });
        connect(&clock, &WallClock::due, this, [&events] { events << u"due"_s; });
        connect(&clock, &WallClock::woke, this, [&events] { events << u"woke"_s; });
        // The clock was set past the armed instant: reported, then the instant is due.
        clock.arm(now().addSecs(-60));
        QTRY_COMPARE_WITH_TIMEOUT(events, (QStringList{u"clockChanged"_s, u"due"_s}), Patience);
        QTest::qWait(Quiet / 2);
        QCOMPARE(events.size(), 2);
    }

    void aBrokenTimerFallsBackAndStillFires()
    {
        WallClock::Options o = isolated();
        o.readTimer = [](int) { return WallClock::TimerRead{-1, EBADF}; };
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^reading the timerfd failed"_s));
        WallClock clock(o);
        QSignalSpy due(&clock, &WallClock::due);
        QSignalSpy status(&clock, &WallClock::statusChanged);
        clock.arm(now().addSecs(-1));
        QVERIFY(due.wait(Patience));
        QVERIFY(!clock.clockChangesWatched());
        QCOMPARE(status.count(), 1);
        QVERIFY2(clock.status().contains(u"No timerfd"_s), qPrintable(clock.status()));
        // Still keeps instants, from now on by a QTimer.
        const QDateTime at = now().addMSecs(300);
        clock.arm(at);
        QVERIFY(due.wait(Patience));
        QVERIFY(now() >= at);
        QCOMPARE(due.count(), 2);
    }

    void aResumeWithoutLogindIsAWakeNotASetClock()
    {
        WallClock::Options o = isolated();
        o.readTimer = canceledThenReal(1);
        FakeSuspend suspend;
        o.suspendedTime = suspend.source();
        WallClock clock(o);
        QVERIFY(!clock.sleepWatched());
        QSignalSpy changed(&clock, &WallClock::clockChanged);
        QSignalSpy woke(&clock, &WallClock::woke);
        QSignalSpy due(&clock, &WallClock::due);
        // The kernel reports a resume to the timer as a set clock; ten minutes went by suspended.
        *suspend.total += 10min;
        clock.arm(now().addSecs(-60));
        QVERIFY(due.wait(Patience));
        QCOMPARE(woke.count(), 1); // before due: the sleep explains the lateness
        QCOMPARE(changed.count(), 0);
        const auto sleptAt = woke.at(0).at(0).toDateTime();
        const auto wokeAt = woke.at(0).at(1).toDateTime();
        QCOMPARE(sleptAt.secsTo(wokeAt), 600);
        QVERIFY(qAbs(wokeAt.secsTo(now())) < 60);
    }

    void anUnannouncedSleepIsFoundByTheClocks()
    {
        WallClock::Options o = isolated();
        FakeSuspend suspend;
        o.suspendedTime = suspend.source();
        o.sleepCheckInterval = 50ms;
        WallClock clock(o);
        QStringList events;
        connect(&clock, &WallClock::due, this, [&events] { events << u"due"_s; });
        connect(&clock, &WallClock::woke, this, [&events](const QDateTime &from, const QDateTime &to) {
            events << u"woke %1"_s.arg(from.secsTo(to));
        });
        // At a timer event, before it.
        *suspend.total += 5min;
        clock.arm(now().addSecs(-1));
        QTRY_COMPARE_WITH_TIMEOUT(events, (QStringList{u"woke 300"_s, u"due"_s}), Patience);
        // Between events, at the periodic look; told once.
        *suspend.total += 2min;
        QTRY_COMPARE_WITH_TIMEOUT(events.size(), 3, Patience);
        QCOMPARE(events.last(), u"woke 120"_s);
        QTest::qWait(Quiet / 2);
        QCOMPARE(events.size(), 3);
        // Less than a second is noise between two clock reads, not a sleep.
        *suspend.total += 300ms;
        QTest::qWait(Quiet / 2);
        QCOMPARE(events.size(), 3);
    }

    void withoutASystemBusItSaysSo()
    {
        WallClock clock(isolated());
        QVERIFY(!clock.sleepWatched());
        QVERIFY2(clock.status().contains(u"No system bus"_s), qPrintable(clock.status()));
    }

    void logindsPrepareForSleepIsFollowed()
    {
        PrivateBus bus;
        if (bus.address().isEmpty())
            QFAIL("dbus-daemon is not installed or did not start (scripts/setup installs dbus)");
        QDBusConnection logind = bus.logind();
        QVERIFY2(logind.isConnected(), qPrintable(logind.lastError().message()));
        QVERIFY(logind.registerService(Logind));

        WallClock::Options o = isolated();
        o.bus = bus.clock();
        QVERIFY(o.bus->isConnected());
        FakeSuspend suspend;
        o.suspendedTime = suspend.source();
        WallClock clock(o);
        QSignalSpy status(&clock, &WallClock::statusChanged);
        QTRY_VERIFY_WITH_TIMEOUT(clock.sleepWatched(), Patience);
        QVERIFY2(clock.status().contains(u"logind"_s), qPrintable(clock.status()));
        QCOMPARE(status.count(), 1);

        QSignalSpy aboutToSleep(&clock, &WallClock::aboutToSleep);
        QSignalSpy woke(&clock, &WallClock::woke);
        const QDateTime before = now();
        QVERIFY(prepareForSleep(logind, true));
        QVERIFY(aboutToSleep.wait(Patience));
        QTest::qWait(200);
        QVERIFY(prepareForSleep(logind, false));
        QVERIFY(woke.wait(Patience));
        const auto sleptAt = woke.at(0).at(0).toDateTime();
        const auto wokeAt = woke.at(0).at(1).toDateTime();
        QCOMPARE(sleptAt.timeSpec(), Qt::UTC);
        QVERIFY2(before <= sleptAt && sleptAt.addMSecs(150) <= wokeAt && wokeAt <= now(),
                 qPrintable(u"%1 .. %2"_s.arg(sleptAt.toString(Qt::ISODateWithMs),
                                              wokeAt.toString(Qt::ISODateWithMs))));
        QCOMPARE(aboutToSleep.count(), 1);
    }

    void withLogindAResumeIsToldOnceByLogind()
    {
        PrivateBus bus;
        if (bus.address().isEmpty())
            QFAIL("dbus-daemon is not installed or did not start (scripts/setup installs dbus)");
        QDBusConnection logind = bus.logind();
        QVERIFY(logind.registerService(Logind));
        WallClock::Options o = isolated();
        o.bus = bus.clock();
        o.readTimer = canceledThenReal(1);
        o.sleepCheckInterval = 50ms;
        FakeSuspend suspend;
        o.suspendedTime = suspend.source();
        WallClock clock(o);
        QTRY_VERIFY_WITH_TIMEOUT(clock.sleepWatched(), Patience);
        QSignalSpy changed(&clock, &WallClock::clockChanged);
        QSignalSpy woke(&clock, &WallClock::woke);
        QSignalSpy due(&clock, &WallClock::due);

        // logind's PrepareForSleep(true) was not handled before the machine froze: the process
        // wakes to the timer's ECANCELED first, then both of logind's signals.
        *suspend.total += 30min;
        clock.arm(now().addSecs(-1));
        QVERIFY(due.wait(Patience));
        QCOMPARE(changed.count(), 0); // a resume, not a set clock
        QCOMPARE(woke.count(), 0);    // logind tells it
        QVERIFY(prepareForSleep(logind, true));
        QVERIFY(prepareForSleep(logind, false));
        QVERIFY(woke.wait(Patience));
        const auto sleptAt = woke.at(0).at(0).toDateTime();
        const auto wokeAt = woke.at(0).at(1).toDateTime();
        QVERIFY2(qAbs(sleptAt.secsTo(wokeAt) - 1800) <= 1,
                 qPrintable(QString::number(sleptAt.secsTo(wokeAt))));
        QTest::qWait(Quiet / 2);
        QCOMPARE(woke.count(), 1);
    }

    void logindGoingAwayIsNoticed()
    {
        PrivateBus bus;
        if (bus.address().isEmpty())
            QFAIL("dbus-daemon is not installed or did not start (scripts/setup installs dbus)");
        QDBusConnection logind = bus.logind();
        WallClock::Options o = isolated();
        o.bus = bus.clock();
        WallClock clock(o);
        QVERIFY(!clock.sleepWatched());
        QVERIFY(logind.registerService(Logind));
        QTRY_VERIFY_WITH_TIMEOUT(clock.sleepWatched(), Patience);
        QVERIFY(logind.unregisterService(Logind));
        QTRY_VERIFY_WITH_TIMEOUT(!clock.sleepWatched(), Patience);
        QVERIFY2(clock.status().contains(u"not there"_s), qPrintable(clock.status()));
    }

    void aReplacedZoneIsNoticedEachTime()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QDir etc(dir.path());
        QVERIFY(etc.mkpath(u"zoneinfo"_s));
        for (const char *zone : {"Berlin", "Tokyo", "Lima"})
            QVERIFY(replaceFile(etc.filePath(u"zoneinfo/"_s + QLatin1StringView(zone)),
                                QByteArray("TZif2 ") + zone));
        const QString localtime = etc.filePath(u"localtime"_s);
        const QString timezone = etc.filePath(u"timezone"_s);
        QVERIFY(QFile::link(etc.filePath(u"zoneinfo/Berlin"_s), localtime));
        QVERIFY(replaceFile(timezone, "Europe/Berlin\n"));

        WallClock::Options o = isolated();
        o.zoneFiles = {localtime, timezone};
        WallClock clock(o);
        QSignalSpy zone(&clock, &WallClock::zoneChanged);

        QVERIFY(replaceSymlink(etc.filePath(u"zoneinfo/Tokyo"_s), localtime));
        QVERIFY(zone.wait(Patience));
        // The watch survives the replacement.
        QVERIFY(replaceSymlink(etc.filePath(u"zoneinfo/Lima"_s), localtime));
        QVERIFY(zone.wait(Patience));
        QCOMPARE(zone.count(), 2);

        // Other files in the folder, and the same zone set again, are no change.
        QVERIFY(replaceFile(etc.filePath(u"hostname"_s), "paddock\n"));
        QVERIFY(replaceSymlink(etc.filePath(u"zoneinfo/Lima"_s), localtime));
        QTest::qWait(Quiet);
        QCOMPARE(zone.count(), 2);

        // /etc/timezone alone (Debian's older way).
        QVERIFY(replaceFile(timezone, "America/Lima\n"));
        QVERIFY(zone.wait(Patience));
        QCOMPARE(zone.count(), 3);

        // The zone's rules replaced under the link (a tzdata upgrade), outside the watched folder.
        QVERIFY(replaceFile(etc.filePath(u"zoneinfo/Lima"_s), "TZif2 Lima, new rules"));
        QVERIFY(zone.wait(Patience));
        QCOMPARE(zone.count(), 4);
    }
};

QTEST_GUILESS_MAIN(TestWallClock)
#include "test_wall_clock.moc"
