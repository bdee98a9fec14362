// Cedar's reference implementation through tools/cedar-reference/cedar-ref.mjs, as the differential
// tests and benchmarks drive it: one long-lived node process answering one JSON line per command.
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// alice exists without a "nope" attribute, so the forbid's condition errors for her; bob is not in
// the entities at all, so it errors for him too.
const QString kPolicies = uR"(permit(principal == User::"alice", action, resource);
forbid(principal, action, resource) when { principal.nope == 1 };
)"_s;

const QString kAnnotatedPolicies = uR"(// a ';' in a comment and in a string must not confuse the ids
@id("alice-may") permit(principal == User::"alice", action, resource) when { "a;b" == "a;b" };
forbid(principal, action == Action::"delete", resource);
@id("no-attr") forbid(principal, action, resource) when { principal.nope == 1 };
)"_s;

const QString kSchema = uR"(entity User { age: Long };
entity Photo;
action view appliesTo { principal: User, resource: Photo };
)"_s;

QJsonObject uid(const QString &type, const QString &id)
{
    return {{u"type"_s, type}, {u"id"_s, id}};
}

QJsonArray entities()
{
    return {QJsonObject{
        {u"uid"_s, uid(u"User"_s, u"alice"_s)}, {u"attrs"_s, QJsonObject{}}, {u"parents"_s, QJsonArray{}}}};
}

QJsonObject authorizeCommand(const QString &policies, const QString &principal, const QString &action)
{
    return {{u"cmd"_s, u"authorize"_s},
            {u"policies"_s, policies},
            {u"entities"_s, entities()},
            {u"schema"_s, QJsonValue::Null},
            {u"principal"_s, uid(u"User"_s, principal)},
            {u"action"_s, uid(u"Action"_s, action)},
            {u"resource"_s, uid(u"Photo"_s, u"p1"_s)},
            {u"context"_s, QJsonObject{}}};
}

QStringList strings(const QJsonValue &array)
{
    QStringList out;
    for (const QJsonValue &v : array.toArray())
        out << v.toString();
    return out;
}

} // namespace

class TestCedarReference : public QObject
{
    Q_OBJECT

    QProcess m_node;
    QByteArray m_pending;
    qint64 m_pid = 0;

    // One command out, one answer back, on the same process throughout.
    QJsonObject send(const QJsonObject &command)
    {
        m_node.write(QJsonDocument(command).toJson(QJsonDocument::Compact) + '\n');
        QDeadlineTimer deadline(20000);
        qsizetype newline = m_pending.indexOf('\n');
        while (newline < 0 && !deadline.hasExpired() && m_node.state() == QProcess::Running) {
            m_node.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
            m_pending += m_node.readAllStandardOutput();
            newline = m_pending.indexOf('\n');
        }
        if (newline < 0)
            return {{u"error"_s, u"harness gave no answer"_s}};
        const QByteArray line = m_pending.left(newline);
        m_pending.remove(0, newline + 1);
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (!doc.isObject())
            return {{u"error"_s, QString(u"harness answered with no JSON object ("_s + error.errorString() +
                                         u"): "_s + QString::fromUtf8(line))}};
        return doc.object();
    }

private slots:
    void initTestCase()
    {
        const QString source = qEnvironmentVariable("PADDOCK_SOURCE_DIR");
        QVERIFY2(!source.isEmpty(), "PADDOCK_SOURCE_DIR must name the source tree");
        const QString harness = source + u"/tools/cedar-reference/cedar-ref.mjs"_s;
        QVERIFY2(QFile::exists(harness), qPrintable(harness));
        QVERIFY2(QFile::exists(source + u"/tools/cedar-reference/node_modules/@cedar-policy/cedar-wasm"_s),
                 "cedar-wasm is not installed: run scripts/setup");
        const QString node = QStandardPaths::findExecutable(u"node"_s);
        QVERIFY2(!node.isEmpty(), "node is not installed: run scripts/setup");
        m_node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_node.start(node, {harness});
        QVERIFY(m_node.waitForStarted(10000));
        m_pid = m_node.processId();
    }

    void cleanupTestCase()
    {
        m_node.closeWriteChannel(); // end of input ends the harness
        QVERIFY(m_node.waitForFinished(10000));
        QCOMPARE(m_node.exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_node.exitCode(), 0);
    }

    void versionIsThePinnedOne()
    {
        QFile package(qEnvironmentVariable("PADDOCK_SOURCE_DIR") + u"/tools/cedar-reference/package.json"_s);
        QVERIFY(package.open(QIODevice::ReadOnly));
        const QString pinned = QJsonDocument::fromJson(package.readAll())
                                   .object()[u"dependencies"_s]
                                   .toObject()[u"@cedar-policy/cedar-wasm"_s]
                                   .toString();
        QVERIFY(pinned.startsWith(u"4."_s));
        const QJsonObject answer = send({{u"cmd"_s, u"version"_s}, {u"id"_s, 7}});
        QCOMPARE(answer[u"id"_s].toInt(), 7);
        QCOMPARE(answer[u"cedar"_s].toString(), pinned);
    }

    void authorize_data()
    {
        QTest::addColumn<QString>("policies");
        QTest::addColumn<QString>("principal");
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("decision");
        QTest::addColumn<QStringList>("reason");
        QTest::addColumn<QStringList>("errors");

        QTest::newRow("alice allowed, forbid errors")
            << kPolicies << u"alice"_s << u"view"_s << u"allow"_s << QStringList{u"policy0"_s}
            << QStringList{u"policy1"_s};
        QTest::newRow("bob denied by default, forbid errors")
            << kPolicies << u"bob"_s << u"view"_s << u"deny"_s << QStringList{} << QStringList{u"policy1"_s};
        QTest::newRow("@id names policies") << kAnnotatedPolicies << u"alice"_s << u"view"_s << u"allow"_s
                                            << QStringList{u"alice-may"_s} << QStringList{u"no-attr"_s};
        QTest::newRow("forbid wins, positional id between annotated ones")
            << kAnnotatedPolicies << u"alice"_s << u"delete"_s << u"deny"_s << QStringList{u"policy1"_s}
            << QStringList{u"no-attr"_s};
    }

    void authorize()
    {
        QFETCH(QString, policies);
        QFETCH(QString, principal);
        QFETCH(QString, action);
        QFETCH(QString, decision);
        QFETCH(QStringList, reason);
        QFETCH(QStringList, errors);
        const QJsonObject answer = send(authorizeCommand(policies, principal, action));
        QVERIFY2(answer[u"error"_s].isNull(), qPrintable(answer[u"error"_s].toString()));
        QCOMPARE(answer[u"decision"_s].toString(), decision);
        QCOMPARE(strings(answer[u"reason"_s]), reason);
        QCOMPARE(strings(answer[u"errors"_s]), errors);
        QVERIFY(!answer[u"errorMessages"_s].toArray().first()[u"message"_s].toString().isEmpty());
    }

    void authorizeReportsAFailedCall()
    {
        QJsonObject command =
            authorizeCommand(u"permit(principal, action, resource) when { 1 + };"_s, u"alice"_s, u"view"_s);
        QJsonObject answer = send(command);
        QVERIFY(!answer[u"error"_s].toString().isEmpty());
        QVERIFY(answer[u"decision"_s].isNull());

        command = authorizeCommand(kPolicies, u"alice"_s, u"view"_s);
        command[u"schema"_s] = kSchema;
        command[u"entities"_s] = QJsonArray{QJsonObject{{u"uid"_s, uid(u"User"_s, u"alice"_s)},
                                                        {u"attrs"_s, QJsonObject{{u"age"_s, u"old"_s}}},
                                                        {u"parents"_s, QJsonArray{}}}};
        answer = send(command);
        QVERIFY2(answer[u"error"_s].toString().contains(u"age"_s), qPrintable(answer[u"error"_s].toString()));
    }

    void validate()
    {
        const QString policies =
            uR"(permit(principal, action == Action::"view", resource) when { principal.age > 3 };
permit(principal, action == Action::"view", resource) when { principal.name == "x" };
)"_s;
        QJsonObject answer =
            send({{u"cmd"_s, u"validate"_s}, {u"policies"_s, policies}, {u"schema"_s, kSchema}});
        QVERIFY(answer[u"error"_s].isNull());
        QCOMPARE(answer[u"valid"_s].toBool(true), false);
        const QJsonArray policyErrors = answer[u"policyErrors"_s].toArray();
        QCOMPARE(policyErrors.size(), 1);
        QCOMPARE(policyErrors.first()[u"policy"_s].toString(), u"policy1"_s);
        QVERIFY2(strings(answer[u"errors"_s]).join(u'\n').contains(u"`name`"_s),
                 qPrintable(strings(answer[u"errors"_s]).join(u'\n')));

        answer = send({{u"cmd"_s, u"validate"_s},
                       {u"policies"_s, policies.section(u'\n', 0, 0)},
                       {u"schema"_s, kSchema}});
        QCOMPARE(answer[u"valid"_s].toBool(false), true);
        QVERIFY(answer[u"errors"_s].toArray().isEmpty());

        answer = send({{u"cmd"_s, u"validate"_s}, {u"policies"_s, policies}, {u"schema"_s, u"entity ;"_s}});
        QCOMPARE(answer[u"valid"_s].toBool(true), false);
        QVERIFY(!answer[u"error"_s].toString().isEmpty());
    }

    void parse()
    {
        QJsonObject answer = send({{u"cmd"_s, u"parse"_s}, {u"policies"_s, kAnnotatedPolicies}});
        QCOMPARE(answer[u"ok"_s].toBool(), true);
        QCOMPARE(strings(answer[u"ids"_s]), (QStringList{u"alice-may"_s, u"policy1"_s, u"no-attr"_s}));
        answer = send({{u"cmd"_s, u"parse"_s}, {u"policies"_s, u"permit(principal, action, resource"_s}});
        QCOMPARE(answer[u"ok"_s].toBool(true), false);
        QVERIFY(!answer[u"errors"_s].toArray().isEmpty());
    }

    void manyRequestsOneProcess()
    {
        for (int i = 0; i < 300; ++i) {
            const bool alice = i % 2 == 0;
            const QJsonObject answer =
                send(authorizeCommand(kPolicies, alice ? u"alice"_s : u"user%1"_s.arg(i), u"view"_s));
            QCOMPARE(answer[u"decision"_s].toString(), alice ? u"allow"_s : u"deny"_s);
        }
        const QJsonObject answer = send({{u"cmd"_s, u"no-such-command"_s}});
        QVERIFY(answer[u"error"_s].toString().contains(u"no-such-command"_s));
        QCOMPARE(m_node.state(), QProcess::Running);
        QCOMPARE(m_node.processId(), m_pid);
    }

    void bench()
    {
        const QJsonObject answer =
            send({{u"cmd"_s, u"bench"_s},
                  {u"policies"_s, kPolicies},
                  {u"entities"_s, entities()},
                  {u"requests"_s, QJsonArray{authorizeCommand({}, u"alice"_s, u"view"_s),
                                             authorizeCommand({}, u"bob"_s, u"view"_s)}},
                  {u"iterations"_s, 20}});
        QVERIFY2(answer[u"error"_s].isNull(), qPrintable(answer[u"error"_s].toString()));
        QCOMPARE(answer[u"api"_s].toString(), u"statefulIsAuthorized"_s);
        QCOMPARE(answer[u"samples"_s].toInt(), 40);
        QCOMPARE(answer[u"allow"_s].toInt(), 20);
        QCOMPARE(answer[u"deny"_s].toInt(), 20);
        QVERIFY(answer[u"p50_us"_s].toDouble() > 0);
        QVERIFY(answer[u"p99_us"_s].toDouble() >= answer[u"p50_us"_s].toDouble());
    }
};

QTEST_GUILESS_MAIN(TestCedarReference)
#include "test_cedar_reference.moc"
