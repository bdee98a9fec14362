#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QVariant>

#include <functional>
#include <optional>

namespace paddock {

// Typed facade over settings.json in the configuration folder. Values live in memory; changes
// are written (atomically, keeping the previous version) shortly after they are made, through a
// writer that a running Engine moves off the calling thread.
class Settings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Settings)

public:
    enum class Key {
        CloseToTray,            // closing the main window hides it to the tray
        CloseToTrayNoticeShown, // the one-time "still running in the tray" notice was shown
        MainWindowGeometry,
        MainWindowState,
        CurrentPage,        // id of the page shown in the main window
        AuditRetentionDays, // audit events older than this many days are pruned; 0 keeps all
        AuditMaxSizeMb,     // the audit log is pruned down to this size; 0 for no limit
        DenyNotifications,  // the tray tells about bursts of denies
        Terminal,           // the terminal emulator Open terminal runs; empty: x-terminal-emulator -e
    };
    Q_ENUM(Key)

    static constexpr int SchemaVersion = 1;
    static constexpr int SaveDelayMs = 250;

    // Writes `data` to `path` atomically; a running Engine supplies one that works on its config thread.
    using Writer = std::function<void(const QString &path, const QByteArray &data)>;

    explicit Settings(QString filePath, QObject *parent = nullptr);
    ~Settings() override;

    // The settings file in the configuration folder (see Paths::configDir()).
    static QString defaultFilePath();

    // Reads the file. A missing file means defaults. A file that cannot be used is left untouched,
    // the defaults apply, changes are not saved this session, and the error says where and why.
    Result<void> load();
    // load() without the file: reads settings from `text` (errors name filePath()).
    Result<void> parse(const QByteArray &text);
    const std::optional<Error> &loadError() const { return m_loadError; }
    bool isWritable() const { return !m_loadError.has_value(); }
    QString filePath() const { return m_path; }

    QVariant value(Key key) const;
    void setValue(Key key, const QVariant &value);
    static QVariant defaultValue(Key key);
    static QString keyName(Key key);

    bool closeToTray() const { return value(Key::CloseToTray).toBool(); }
    void setCloseToTray(bool on) { setValue(Key::CloseToTray, on); }
    bool closeToTrayNoticeShown() const { return value(Key::CloseToTrayNoticeShown).toBool(); }
    void setCloseToTrayNoticeShown(bool shown) { setValue(Key::CloseToTrayNoticeShown, shown); }
    QByteArray mainWindowGeometry() const { return value(Key::MainWindowGeometry).toByteArray(); }
    QByteArray mainWindowState() const { return value(Key::MainWindowState).toByteArray(); }
    QString currentPage() const { return value(Key::CurrentPage).toString(); }
    int auditRetentionDays() const { return value(Key::AuditRetentionDays).toInt(); }
    QString terminal() const { return value(Key::Terminal).toString(); }
    int auditMaxSizeMb() const { return value(Key::AuditMaxSizeMb).toInt(); }
    bool denyNotifications() const { return value(Key::DenyNotifications).toBool(); }

    void setWriter(Writer writer) { m_writer = std::move(writer); }
    // Hands pending changes to the writer now (or writes them here when there is no writer).
    Result<void> flush();
    QByteArray serialize() const;

signals:
    void changed(paddock::Settings::Key key);

private:
    QString m_path;
    QJsonObject m_values; // as stored, including keys from newer versions (kept, never dropped)
    std::optional<Error> m_loadError;
    Writer m_writer;
    QTimer m_saveTimer;
    bool m_dirty = false;
};

} // namespace paddock
