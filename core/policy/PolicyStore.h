#pragma once

#include "common/Error.h"
#include "policy/PolicySet.h"
#include "policy/Schema.h"

#include <QDateTime>
#include <QHash>
#include <QMutex>
#include <QObject>
#include <QStringList>

#include <memory>

namespace paddock {

class AuditStore;

// What a policy text amounts to: parse and schema findings with their spans, and the compiled set
// when there are no errors.
struct PolicyCheck
{
    cedar::Diagnostics diagnostics;
    std::shared_ptr<const cedar::PolicySet> policies; // null when there are errors
    bool valid() const { return policies != nullptr; }
    int errorCount() const;
    int warningCount() const;
};

// The policy sets Paddock enforces, one per trust level (`restricted`, `moderate`, `full`, and any
// the user adds), stored as $CONFIG/policies/<name>.cedar next to $CONFIG/schema.cedarschema.
// Every save is validated first (an invalid text is refused and nothing changes), written
// atomically, kept as a timestamped version under policies/history/<name>/, and swapped into the
// running engine at once: readers on any thread get the new compiled set on their next request.
// All methods are thread-safe; those that touch files are meant for a worker thread.
class PolicyStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PolicyStore)

public:
    struct Version
    {
        QDateTime time; // UTC
        QString path;
    };

    explicit PolicyStore(QString configDir, QObject *parent = nullptr);

    // Installs the default schema and sets where they are missing, then loads every set. A file
    // that does not validate is reported (file:line:column) and left untouched; its set enforces
    // nothing but default deny until it is fixed.
    Result<void> load();
    QList<Error> loadProblems() const;

    QStringList names() const;
    QString text(const QString &name) const;
    QString filePath(const QString &name) const;
    QString schemaText() const;
    std::shared_ptr<const cedar::Schema> schema() const;
    // The compiled set enforced for `name` (an empty set, i.e. deny everything, if there is none).
    std::shared_ptr<const cedar::PolicySet> policies(const QString &name) const;

    // Checks a text against the grammar and the current schema. Pure; any thread.
    PolicyCheck check(const QString &text) const;

    // Validates, writes, versions and activates. Refuses an invalid text with the first error.
    Result<void> save(const QString &name, const QString &text);
    QList<Version> history(const QString &name) const;
    Result<QString> versionText(const QString &name, const Version &version) const;
    Result<void> revert(const QString &name, const Version &version);

    // Where saves and reverts are recorded (source policy: which set, which file, which version).
    void setAuditStore(AuditStore *audit) { m_audit = audit; }

    static QStringList defaultNames();
    static QString defaultText(const QString &name);
    static QString defaultSchemaText();

signals:
    // load() finished (from whichever thread ran it).
    void loaded();
    // A set was saved or reverted and is now enforced.
    void policiesChanged(const QString &name);

private:
    Result<void> loadOne(const QString &name);
    Result<void> store(const QString &name, const QString &text, const QString &action,
                       const QString &revertedFrom);
    QString historyDir(const QString &name) const;

    const QString m_dir;
    mutable QMutex m_mutex;
    QHash<QString, QString> m_texts;
    QHash<QString, std::shared_ptr<const cedar::PolicySet>> m_sets;
    QString m_schemaText;
    std::shared_ptr<const cedar::Schema> m_schema;
    QList<Error> m_loadProblems;
    AuditStore *m_audit = nullptr;
};

} // namespace paddock
