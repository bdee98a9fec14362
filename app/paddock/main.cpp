// paddock: the desktop application. Builds the objects and runs the event loop; nothing else.
#include "DesktopShell.h"
#include "Icons.h"
#include "SelfTest.h"
#include "config/Paths.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "engine/TerminationSignals.h"
#include "instance/SingleInstance.h"
#include "log/AppLog.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QTranslator>

#include <cstdio>

using namespace paddock;

namespace {
void installTranslations(QApplication &app)
{
    auto *qt = new QTranslator(&app);
    if (qt->load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(qt);
    auto *own = new QTranslator(&app);
    if (own->load(QLocale(), QStringLiteral("paddock"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(own);
}
// Paddock cannot start. Launched from a desktop, stderr goes nowhere: say it in a window too.
int startupFailure(QApplication &app, const Error &error)
{
    std::fprintf(stderr, "paddock: %s\n", qPrintable(error.text()));
    if (QGuiApplication::platformName() == QLatin1StringView("offscreen") ||
        QGuiApplication::platformName() == QLatin1StringView("minimal"))
        return 1;
    auto *box = new QMessageBox(
        QMessageBox::Critical, QApplication::translate("main", "Paddock cannot start"),
        error.where.isEmpty() ? error.message : error.where + QStringLiteral(": ") + error.message);
    box->setObjectName(QStringLiteral("startupFailure"));
    box->setInformativeText(error.hint);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(box, &QMessageBox::finished, &app, &QCoreApplication::quit);
    box->show();
    QApplication::exec();
    return 1;
}
} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("paddock"));
    QApplication::setApplicationDisplayName(QStringLiteral("Paddock"));
    QApplication::setOrganizationDomain(QStringLiteral("paddock.io"));
    QApplication::setApplicationVersion(QStringLiteral(PADDOCK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(PADDOCK_APP_ID));
    QApplication::setQuitOnLastWindowClosed(false); // the tray keeps Paddock alive
    installTranslations(app);
    QApplication::setWindowIcon(Icons::application());

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Control center for AI coding agents."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption minimized(QStringLiteral("minimized"),
                                       QApplication::translate("main", "Start in the system tray."));
    const QCommandLineOption selfTest(QStringLiteral("self-test"),
                                      QApplication::translate("main",
                                                              "Start, check the main window and the tray, "
                                                              "and exit with 0 or a reason."));
    const QCommandLineOption configDir(
        QStringLiteral("config-dir"),
        QApplication::translate("main", "Use DIR for configuration instead of $XDG_CONFIG_HOME/paddock."),
        QApplication::translate("main", "DIR"));
    parser.addOptions({minimized, selfTest, configDir});
    parser.process(app);
    if (parser.isSet(configDir))
        Paths::setConfigDirOverride(parser.value(configDir));

    // One Paddock per user and configuration: a second launch raises the first and leaves.
    SingleInstance instance(Paths::configDir(), Paths::runtimeDir());
    auto role = instance.claim();
    if (!role)
        return startupFailure(app, role.error());
    if (*role == SingleInstance::Role::Secondary) {
        if (parser.isSet(selfTest))
            return startupFailure(
                app, Error{Error::Code::Busy,
                           QApplication::translate("main", "another Paddock is running with this "
                                                           "configuration"),
                           Paths::configDir(),
                           QApplication::translate("main", "Quit it, or give the self-test a "
                                                           "configuration of its own with --config-dir.")});
        if (auto sent = instance.activatePrimary(QApplication::arguments()); !sent)
            return startupFailure(app, sent.error());
        std::printf("%s\n", qPrintable(QApplication::translate(
                                "main", "paddock: already running; raised its window")));
        return 0;
    }

    AppLog log;
    Engine engine;
    Settings settings(Settings::defaultFilePath());
    engine.loadSettings(settings);

    DesktopShell shell(settings, engine, &log);
    QObject::connect(&shell, &DesktopShell::quitRequested, &app, &QCoreApplication::quit);
    QObject::connect(&instance, &SingleInstance::activationRequested, &shell, &DesktopShell::activate);
    TerminationSignals termination;
    QObject::connect(&termination, &TerminationSignals::received, &shell, &DesktopShell::quitNow);

    engine.start();
    shell.start(parser.isSet(minimized) && !parser.isSet(selfTest));

    int exitCode = 0;
    SelfTest *test = nullptr;
    if (parser.isSet(selfTest)) {
        test = new SelfTest(shell, engine, &app);
        QObject::connect(test, &SelfTest::finished, &shell, [&exitCode, &shell](int code) {
            exitCode = code;
            shell.quitNow();
        });
        test->run();
    }

    const int loopCode = QApplication::exec();
    (void)settings.flush();
    engine.stop(); // the config thread writes what is still queued before it ends
    return test ? exitCode : loopCode;
}
