// bench/policy: how fast Paddock's Cedar engine decides, against the reference implementation.
//   bench_policy [--benchmark_* options]      (scripts/bench policy)
// Latency percentiles (p50, p99) per authorization for:
//   (a) the default restricted persona's policies with a realistic request mix,
//   (b) synthetic sets of 100 and 1,000 policies;
// parsing (and checking) a 1,000-policy file; and the same workloads through cedar-wasm in node
// (tools/cedar-reference) in the same run, with the ratio.
#include "policy/Json.h"
#include "policy/PolicySet.h"
#include "policy/Schema.h"
#include "policy/Validator.h"

#include <benchmark/benchmark.h>

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace paddock::cedar;

namespace {

void record(const std::string &name, benchmark::State &state);

std::string readFile(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string sourceDir()
{
    const char *dir = std::getenv("PADDOCK_SOURCE_DIR");
    return dir ? dir : ".";
}

struct Workload
{
    std::string name;
    std::string policies;
    std::string schema;
    std::string entitiesJson;
    struct Req
    {
        EntityUid principal, action, resource;
        std::string contextJson;
    };
    std::vector<Req> requests;
};

// (a) The restricted persona: allowed and denied hosts, pushes to feature and protected branches.
Workload restrictedWorkload()
{
    Workload w;
    w.name = "restricted";
    w.policies = readFile(sourceDir() + "/resources/policy/restricted.cedar");
    w.schema = readFile(sourceDir() + "/resources/policy/paddock.cedarschema");
    std::string entities =
        R"([{"uid": {"type": "Paddock::Persona", "id": "agent"}, "attrs": {"trust": "restricted"}, "parents": []})";
    const char *hosts[][2] = {{"github.com", "443"},        {"github.com", "22"},
                              {"api.anthropic.com", "443"}, {"registry.npmjs.org", "443"},
                              {"evil.example", "443"},      {"github.com", "80"},
                              {"pastebin.com", "443"},      {"api.openai.com", "443"}};
    for (const auto &h : hosts) {
        const std::string id = std::string(h[0]) + ":" + h[1];
        entities += R"(, {"uid": {"type": "Paddock::Host", "id": ")" + id + R"("}, "attrs": {"name": ")" +
                    h[0] + R"(", "port": )" + h[1] + R"(}, "parents": []})";
        w.requests.push_back(
            {{"Paddock::Persona", "agent"}, {"Paddock::Action", "connect"}, {"Paddock::Host", id}, "{}"});
    }
    for (const char *branch : {"ai/refactor", "feature/login", "fix/typo", "main", "release/1.2", "wip"}) {
        const std::string id = std::string("repo:") + branch;
        entities += R"(, {"uid": {"type": "Paddock::Branch", "id": ")" + id + R"("}, "attrs": {"name": ")" +
                    branch + R"(", "repository": "repo"}, "parents": []})";
        w.requests.push_back({{"Paddock::Persona", "agent"},
                              {"Paddock::Action", "git-push"},
                              {"Paddock::Branch", id},
                              R"({"force": false, "delete": false})"});
    }
    w.entitiesJson = entities + "]";
    return w;
}

// (b) Synthetic: N policies over users, groups and documents, each pinned to one action and a mix
// of scope constraints and conditions, and requests that hit and miss.
Workload syntheticWorkload(int n)
{
    Workload w;
    w.name = "synthetic-" + std::to_string(n);
    std::mt19937 rng(42);
    const int users = 200, groups = 20, docs = 500, actions = 10;
    std::string policies;
    for (int i = 0; i < n; ++i) {
        const int a = int(rng() % actions);
        const int g = int(rng() % groups);
        const int d = int(rng() % docs);
        switch (i % 4) {
        case 0:
            policies += "permit (principal in Group::\"g" + std::to_string(g) + "\", action == Action::\"a" +
                        std::to_string(a) + "\", resource == Doc::\"d" + std::to_string(d) + "\");\n";
            break;
        case 1:
            policies += "permit (principal, action == Action::\"a" + std::to_string(a) +
                        "\", resource) when { resource.owner == principal && resource.level <= " +
                        std::to_string(rng() % 10) + " };\n";
            break;
        case 2:
            policies += "forbid (principal, action == Action::\"a" + std::to_string(a) +
                        "\", resource) when { resource.tags.contains(\"secret" + std::to_string(rng() % 50) +
                        "\") && !(principal in Group::\"g" + std::to_string(g) + "\") };\n";
            break;
        default:
            policies += "permit (principal is User, action in [Action::\"a" + std::to_string(a) +
                        "\", Action::\"a" + std::to_string((a + 1) % actions) +
                        "\"], resource) when { principal.name like \"u1*\" && " +
                        "context.hour >= 8 && context.hour < 18 };\n";
        }
    }
    w.policies = policies;
    std::string actionList;
    for (int a = 0; a < actions; ++a)
        actionList += (a ? ", a" : "a") + std::to_string(a);
    w.schema = "entity Group;\nentity User in [Group] = { name: String };\n"
               "entity Doc = { owner: User, level: Long, tags: Set<String> };\naction " +
               actionList + " appliesTo { principal: [User], resource: [Doc], context: { hour: Long } };\n";
    std::string entities = "[";
    for (int g = 0; g < groups; ++g)
        entities += (g ? ", " : "") + std::string(R"({"uid": {"type": "Group", "id": "g)") +
                    std::to_string(g) + R"("}, "attrs": {}, "parents": []})";
    for (int u = 0; u < users; ++u)
        entities += R"(, {"uid": {"type": "User", "id": "u)" + std::to_string(u) +
                    R"("}, "attrs": {"name": "u)" + std::to_string(u) +
                    R"("}, "parents": [{"type": "Group", "id": "g)" + std::to_string(u % groups) + R"("}]})";
    for (int d = 0; d < docs; ++d)
        entities += R"(, {"uid": {"type": "Doc", "id": "d)" + std::to_string(d) +
                    R"("}, "attrs": {"owner": {"__entity": {"type": "User", "id": "u)" +
                    std::to_string(d % users) + R"("}}, "level": )" + std::to_string(d % 10) +
                    R"(, "tags": ["secret)" + std::to_string(d % 50) + R"(", "public"]}, "parents": []})";
    w.entitiesJson = entities + "]";
    for (int i = 0; i < 200; ++i)
        w.requests.push_back({{"User", "u" + std::to_string(rng() % users)},
                              {"Action", "a" + std::to_string(rng() % actions)},
                              {"Doc", "d" + std::to_string(rng() % docs)},
                              R"({"hour": )" + std::to_string(rng() % 24) + "}"});
    return w;
}

struct Prepared
{
    std::shared_ptr<const PolicySet> set;
    std::shared_ptr<const Schema> schema;
    Entities entities;
    std::vector<Request> requests;
};

Prepared prepare(const Workload &w)
{
    Prepared p;
    Diagnostics diags;
    p.set = PolicySet::parse(w.policies, &diags);
    if (!diags.empty()) {
        std::fprintf(stderr, "%s: %s\n", w.name.c_str(), diags.front().message.c_str());
        std::exit(1);
    }
    if (!w.schema.empty())
        p.schema = parseSchema(w.schema).schema;
    auto list = entitiesFromJson(w.entitiesJson, p.schema.get());
    if (!list) {
        std::fprintf(stderr, "%s: %s\n", w.name.c_str(), list.error().c_str());
        std::exit(1);
    }
    p.entities = Entities(std::move(*list));
    for (const auto &r : w.requests) {
        Request req{r.principal, r.action, r.resource, Value::record({})};
        auto ctx = contextFromJson(r.contextJson, p.schema.get(), &req.action);
        req.context = *ctx;
        p.requests.push_back(std::move(req));
    }
    return p;
}

double percentile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

// Times each authorization on its own, reporting p50 and p99 in microseconds as counters.
void authorizeLatency(benchmark::State &state, const Workload &w)
{
    const Prepared p = prepare(w);
    std::vector<double> samples;
    samples.reserve(1 << 20);
    size_t i = 0;
    for (auto _ : state) {
        const Request &r = p.requests[i++ % p.requests.size()];
        const auto start = std::chrono::steady_clock::now();
        Decision d = p.set->authorize(r, p.entities);
        const auto end = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(d);
        samples.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    state.counters["p50_us"] = percentile(samples, 0.50);
    state.counters["p99_us"] = percentile(samples, 0.99);
    record(w.name, state);
}

void parse1000(benchmark::State &state)
{
    const Workload w = syntheticWorkload(1000);
    for (auto _ : state) {
        Diagnostics diags;
        auto set = PolicySet::parse(w.policies, &diags);
        benchmark::DoNotOptimize(set);
    }
}

// What saving a 1,000-policy file costs: parse, then strict validation against the schema.
void parseAndValidate1000(benchmark::State &state)
{
    const Workload w = syntheticWorkload(1000);
    const auto schema = parseSchema(w.schema).schema;
    for (auto _ : state) {
        ParseResult parsed = parsePolicies(w.policies);
        Diagnostics found = validatePolicies(parsed.policies, *schema);
        if (hasErrors(found))
            state.SkipWithError(found.front().message.c_str());
        benchmark::DoNotOptimize(found);
    }
}

// Our own figures, kept for the comparison with the reference.
std::map<std::string, std::pair<double, double>> g_ours; // workload -> p50, p99 (µs)

void record(const std::string &name, benchmark::State &state)
{
    g_ours[name] = {state.counters["p50_us"], state.counters["p99_us"]};
}

QJsonObject uidJson(const EntityUid &u)
{
    return QJsonObject{{QStringLiteral("type"), QString::fromStdString(u.type)},
                       {QStringLiteral("id"), QString::fromStdString(u.id)}};
}

// The same workload through cedar-wasm's pre-parsed stateful API (tools/cedar-reference).
void comparePeer(const std::vector<const Workload *> &workloads)
{
    QProcess node;
    node.start(QStringLiteral("node"),
               {QString::fromStdString(sourceDir() + "/tools/cedar-reference/cedar-ref.mjs")});
    if (!node.waitForStarted(10000)) {
        std::printf("\npeer: node is not available (run scripts/setup); no comparison\n");
        return;
    }
    std::printf("\n%-22s %10s %10s %12s %12s %8s\n", "workload (p50/p99 us)", "paddock", "", "cedar-wasm", "",
                "ratio");
    for (const Workload *w : workloads) {
        if (!g_ours.contains(w->name))
            continue; // not run (--benchmark_filter)
        QJsonArray requests;
        for (const auto &r : w->requests)
            requests.append(
                QJsonObject{{QStringLiteral("principal"), uidJson(r.principal)},
                            {QStringLiteral("action"), uidJson(r.action)},
                            {QStringLiteral("resource"), uidJson(r.resource)},
                            {QStringLiteral("context"),
                             QJsonDocument::fromJson(QByteArray::fromStdString(r.contextJson)).object()}});
        QJsonObject cmd{{QStringLiteral("cmd"), QStringLiteral("bench")},
                        {QStringLiteral("policies"), QString::fromStdString(w->policies)},
                        {QStringLiteral("entities"),
                         QJsonDocument::fromJson(QByteArray::fromStdString(w->entitiesJson)).array()},
                        {QStringLiteral("requests"), requests},
                        {QStringLiteral("iterations"), w->requests.size() > 50 ? 20 : 300}};
        if (!w->schema.empty())
            cmd.insert(QStringLiteral("schema"), QString::fromStdString(w->schema));
        node.write(QJsonDocument(cmd).toJson(QJsonDocument::Compact) + '\n');
        while (!node.canReadLine())
            if (!node.waitForReadyRead(300000)) {
                std::printf("peer: no answer for %s\n", w->name.c_str());
                return;
            }
        const QJsonObject a = QJsonDocument::fromJson(node.readLine()).object();
        if (!a.value(QStringLiteral("error")).isNull()) {
            std::printf("peer: %s: %s\n", w->name.c_str(),
                        qPrintable(a.value(QStringLiteral("error")).toString()));
            continue;
        }
        const double p50 = a.value(QStringLiteral("p50_us")).toDouble(),
                     p99 = a.value(QStringLiteral("p99_us")).toDouble();
        const auto [o50, o99] = g_ours[w->name];
        std::printf("%-22s %10.3f %10.3f %12.2f %12.2f %7.0fx   (%s, %lld failures)\n", w->name.c_str(), o50,
                    o99, p50, p99, o50 > 0 ? p50 / o50 : 0.0,
                    qPrintable(a.value(QStringLiteral("api")).toString()),
                    qint64(a.value(QStringLiteral("failures")).toInteger()));
    }
    node.closeWriteChannel();
    node.waitForFinished(5000);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    static const Workload restricted = restrictedWorkload();
    static const Workload s100 = syntheticWorkload(100);
    static const Workload s1000 = syntheticWorkload(1000);
    benchmark::RegisterBenchmark("authorize/restricted", authorizeLatency, restricted)->MinTime(1.0);
    benchmark::RegisterBenchmark("authorize/synthetic-100", authorizeLatency, s100)->MinTime(1.0);
    benchmark::RegisterBenchmark("authorize/synthetic-1000", authorizeLatency, s1000)->MinTime(1.0);
    benchmark::RegisterBenchmark("parse/1000-policies", parse1000)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("parse+validate/1000-policies", parseAndValidate1000)
        ->Unit(benchmark::kMillisecond);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    std::printf(
        "\ntargets: restricted p50 <= 1 us, p99 <= 5 us; 1,000 policies p50 <= 10 us; >= 20x cedar-wasm;"
        " parsing and validating 1,000 policies <= 50 ms\n");
    comparePeer({&restricted, &s100, &s1000});
    return 0;
}
