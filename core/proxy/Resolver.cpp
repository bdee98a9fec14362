#include "proxy/Resolver.h"

#include <QCoreApplication>

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <mutex>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::Resolver)
};

struct Lookup
{
    QString name;
    Resolver::Callback callback;
};

void done(void *arg, int status, int /*timeouts*/, struct ares_addrinfo *result)
{
    std::unique_ptr<Lookup> lookup(static_cast<Lookup *>(arg));
    if (status != ARES_SUCCESS) {
        if (result)
            ares_freeaddrinfo(result);
        const bool missing = status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_ENONAME;
        lookup->callback(
            std::unexpected(Error{missing ? Error::Code::NotFound : Error::Code::Unavailable,
                                  missing ? Text::tr("%1 has no address").arg(lookup->name)
                                          : Text::tr("%1 could not be resolved: %2")
                                                .arg(lookup->name, QString::fromUtf8(ares_strerror(status))),
                                  {},
                                  {}}));
        return;
    }
    Resolver::Addresses out;
    for (ares_addrinfo_node *n = result->nodes; n; n = n->ai_next) {
        IpAddress a;
        if (n->ai_family == AF_INET) {
            const auto *sin = reinterpret_cast<const sockaddr_in *>(n->ai_addr);
            a = IpAddress::v4(ntohl(sin->sin_addr.s_addr));
        } else if (n->ai_family == AF_INET6) {
            const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(n->ai_addr);
            a.v6 = true;
            std::memcpy(a.bytes.data(), &sin6->sin6_addr, 16);
        } else {
            continue;
        }
        if (std::find(out.begin(), out.end(), a) == out.end())
            out.push_back(a);
    }
    ares_freeaddrinfo(result);
    if (out.empty())
        return lookup->callback(std::unexpected(
            Error{Error::Code::NotFound, Text::tr("%1 has no address").arg(lookup->name), {}, {}}));
    lookup->callback(std::move(out));
}
} // namespace

struct Resolver::Impl
{
    ares_channel_t *channel = nullptr;
    ~Impl()
    {
        if (channel) {
            ares_cancel(channel); // every pending callback runs now, with ARES_ECANCELLED
            ares_destroy(channel);
        }
    }
};

Resolver::Resolver(Options options)
    : m_options(std::move(options))
{}

Resolver::~Resolver() = default;

Result<void> Resolver::start()
{
    static std::once_flag once;
    static int initStatus = ARES_SUCCESS;
    std::call_once(once, [] { initStatus = ares_library_init(ARES_LIB_INIT_ALL); });
    auto fail = [](int status) {
        return std::unexpected(Error{
            Error::Code::Unavailable,
            Text::tr("the proxy's resolver cannot start: %1").arg(QString::fromUtf8(ares_strerror(status))),
            {},
            {}});
    };
    if (initStatus != ARES_SUCCESS)
        return fail(initStatus);
    if (!ares_threadsafety())
        return fail(ARES_ENOTIMP);
    auto impl = std::make_unique<Impl>();
    ares_options options{};
    options.evsys = ARES_EVSYS_DEFAULT;
    // c-ares tries twice, doubling the wait the second time: the deadline is split in three.
    options.tries = 2;
    options.timeout = int(std::max<qint64>(100, m_options.timeout.count() / 3));
    const int mask = ARES_OPT_EVENT_THREAD | ARES_OPT_TRIES | ARES_OPT_TIMEOUTMS;
    if (const int status = ares_init_options(&impl->channel, &options, mask); status != ARES_SUCCESS)
        return fail(status);
    if (!m_options.servers.isEmpty())
        if (const int status =
                ares_set_servers_ports_csv(impl->channel, m_options.servers.toUtf8().constData());
            status != ARES_SUCCESS)
            return fail(status);
    m_impl = std::move(impl);
    return {};
}

void Resolver::stop()
{
    m_impl.reset();
}

void Resolver::resolve(const QString &name, Callback callback)
{
    if (!m_impl)
        return callback(std::unexpected(
            Error{Error::Code::Unavailable, Text::tr("the proxy's resolver is not running"), {}, {}}));
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    auto *lookup = new Lookup{name, std::move(callback)};
    ares_getaddrinfo(m_impl->channel, name.toUtf8().constData(), nullptr, &hints, done, lookup);
}

} // namespace paddock
