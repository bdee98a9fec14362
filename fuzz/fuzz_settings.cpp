// libFuzzer target: settings.json is read from disk at start-up and may be anything.
// Property: parsing never crashes; what parses serializes to something that parses again to the
// same values.
#include "config/Settings.h"

#include <QCoreApplication>

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    Settings settings(QStringLiteral("/nonexistent/settings.json"));
    if (!settings.parse(text)) {
        if (settings.isWritable() || settings.loadError()->where.isEmpty())
            __builtin_trap(); // an error must say where, and block saving
        return 0;
    }
    Settings again(QStringLiteral("/nonexistent/settings.json"));
    if (!again.parse(settings.serialize()))
        __builtin_trap();
    for (auto key :
         {Settings::Key::CloseToTray, Settings::Key::CloseToTrayNoticeShown,
          Settings::Key::MainWindowGeometry, Settings::Key::MainWindowState, Settings::Key::CurrentPage,
          Settings::Key::AuditRetentionDays, Settings::Key::AuditMaxSizeMb, Settings::Key::DenyNotifications})
        if (again.value(key) != settings.value(key))
            __builtin_trap();
    return 0;
}
