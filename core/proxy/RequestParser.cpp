#include "proxy/RequestParser.h"

#include "proxy/AddressGuard.h"

#include <QCoreApplication>

#include <llhttp.h>

#include <algorithm>
#include <cctype>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::RequestParser)
};

// host[:port] → (host, port); an IPv6 literal in brackets; nothing when malformed.
std::optional<std::pair<QString, int>> splitAuthority(const QByteArray &authority, int defaultPort)
{
    if (authority.isEmpty() || authority.contains('@'))
        return std::nullopt; // no userinfo: a classic way to make host checks disagree
    QByteArray host = authority;
    int port = defaultPort;
    qsizetype colon = -1;
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 0)
            return std::nullopt;
        if (close + 1 < host.size()) {
            if (host.at(close + 1) != ':')
                return std::nullopt;
            colon = close + 1;
        }
    } else {
        colon = host.lastIndexOf(':');
        if (host.indexOf(':') != colon)
            return std::nullopt; // an unbracketed IPv6 literal or junk
    }
    if (colon >= 0) {
        const QByteArray digits = host.mid(colon + 1);
        bool ok = false;
        port = digits.toInt(&ok);
        if (!ok || digits.isEmpty() || digits.size() > 5 || port < 1 || port > 65535 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        host.truncate(colon);
    }
    if (host.startsWith('['))
        host = host.mid(1, host.size() - 2);
    else if (host.endsWith('.'))
        host.chop(1); // "example.com." is example.com: policies see one name, not two spellings
    if (host.isEmpty() || host.startsWith('.') || host.endsWith('.') || host.contains(".."))
        return std::nullopt; // an empty label
    for (char c : host)      // letters, digits, - . _ and the colons of IPv6
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':'))
            return std::nullopt;
    return std::pair{QString::fromLatin1(host).toLower(), port};
}
} // namespace

struct RequestParser::Llhttp
{
    llhttp_t parser;
    llhttp_settings_t settings;
};

struct RequestParser::Callbacks
{
    static RequestParser &self(llhttp_t *p) { return *static_cast<RequestParser *>(p->data); }
    static int url(llhttp_t *p, const char *at, size_t n)
    {
        self(p).m_url.append(at, qsizetype(n));
        return 0;
    }
    static int field(llhttp_t *p, const char *at, size_t n)
    {
        RequestParser &r = self(p);
        if (r.m_inValue) {
            r.m_request.headers.append({r.m_field, r.m_value});
            r.m_field.clear();
            r.m_value.clear();
            r.m_inValue = false;
        }
        r.m_field.append(at, qsizetype(n));
        return 0;
    }
    static int value(llhttp_t *p, const char *at, size_t n)
    {
        RequestParser &r = self(p);
        r.m_inValue = true;
        r.m_value.append(at, qsizetype(n));
        return 0;
    }
    static int headersComplete(llhttp_t *p)
    {
        RequestParser &r = self(p);
        if (r.m_inValue || !r.m_field.isEmpty())
            r.m_request.headers.append({r.m_field, r.m_value});
        r.m_headDone = true;
        r.m_request.chunked = (p->flags & F_CHUNKED) != 0;
        r.m_request.contentLength = (p->flags & F_CONTENT_LENGTH) ? qint64(p->content_length) : -1;
        return HPE_PAUSED; // the proxy decides before any body is taken
    }
    static int messageComplete(llhttp_t *p)
    {
        self(p).m_messageDone = true;
        return HPE_PAUSED; // the next request is parsed afresh
    }
};

RequestParser::RequestParser()
    : m_llhttp(std::make_unique<Llhttp>())
{
    llhttp_settings_init(&m_llhttp->settings);
    m_llhttp->settings.on_url = &Callbacks::url;
    m_llhttp->settings.on_header_field = &Callbacks::field;
    m_llhttp->settings.on_header_value = &Callbacks::value;
    m_llhttp->settings.on_headers_complete = &Callbacks::headersComplete;
    m_llhttp->settings.on_message_complete = &Callbacks::messageComplete;
    llhttp_init(&m_llhttp->parser, HTTP_REQUEST, &m_llhttp->settings);
    m_llhttp->parser.data = this;
}

RequestParser::~RequestParser() = default;

RequestParser::State RequestParser::invalid(const QString &why)
{
    m_error = why;
    return m_state = State::Invalid;
}

RequestParser::State RequestParser::feed(const char *data, qsizetype size)
{
    m_consumed = 0;
    if (m_state == State::Invalid || m_state == State::Complete)
        return m_state;
    if (m_state == State::Head || m_state == State::Body) {
        if (m_request.connect) {
            m_consumed = 0; // a tunnel's bytes are not HTTP
            return m_state;
        }
        llhttp_resume(&m_llhttp->parser);
    }
    const bool inHead = !m_headDone;
    const llhttp_errno_t rc = llhttp_execute(&m_llhttp->parser, data, size_t(size));
    const char *stop = rc == HPE_OK ? data + size : llhttp_get_error_pos(&m_llhttp->parser);
    m_consumed = stop ? qsizetype(stop - data) : size;
    if (inHead) {
        m_headBytes += m_consumed;
        if (m_headBytes > MaxHeadBytes)
            return invalid(Text::tr("the request head is over %1 KiB").arg(MaxHeadBytes / 1024));
    }
    if (rc != HPE_OK && rc != HPE_PAUSED && rc != HPE_PAUSED_UPGRADE)
        return invalid(Text::tr("malformed request: %1").arg(QString::fromLatin1(llhttp_errno_name(rc))) +
                       QStringLiteral(" (") +
                       QString::fromLatin1(llhttp_get_error_reason(&m_llhttp->parser)) + u')');
    if (m_state == State::NeedMore) {
        if (!m_headDone)
            return m_state;
        m_request.headLength = m_headBytes;
        return finishHead();
    }
    return m_state = m_messageDone ? State::Complete : State::Body;
}

RequestParser::State RequestParser::finishHead()
{
    m_request.method =
        QByteArray(llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(&m_llhttp->parser))));
    m_request.connect = m_request.method == "CONNECT";
    QByteArray host;
    int hosts = 0;
    for (const auto &[name, value] : std::as_const(m_request.headers))
        if (name.compare("host", Qt::CaseInsensitive) == 0) {
            ++hosts;
            host = value.trimmed();
        }
    if (hosts > 1)
        return invalid(Text::tr("more than one Host header"));
    if (m_request.connect) {
        // authority form: host:port, the port required
        if (m_url.startsWith('[') ? !m_url.contains("]:") : !m_url.contains(':'))
            return invalid(Text::tr("CONNECT needs host:port"));
        auto target = splitAuthority(m_url, 0);
        if (!target)
            return invalid(Text::tr("CONNECT to a malformed authority"));
        m_request.host = target->first;
        m_request.port = target->second;
        if (hosts == 1) {
            auto stated = splitAuthority(host, m_request.port);
            if (!stated || stated->first != m_request.host || stated->second != m_request.port)
                return invalid(Text::tr("the Host header disagrees with the CONNECT target"));
        }
    } else {
        // absolute form: http://authority[/path]; a forward proxy gets nothing else
        if (!m_url.startsWith("http://") && !m_url.startsWith("HTTP://"))
            return invalid(
                Text::tr("a forward proxy takes http://host/path targets (use CONNECT for HTTPS)"));
        const QByteArray rest = m_url.mid(7);
        qsizetype slash = rest.indexOf('/');
        const qsizetype query = rest.indexOf('?');
        if (query >= 0 && (slash < 0 || query < slash))
            slash = query;
        const QByteArray authority = slash < 0 ? rest : rest.left(slash);
        auto target = splitAuthority(authority, 80);
        if (!target)
            return invalid(Text::tr("the target's authority is malformed"));
        m_request.host = target->first;
        m_request.port = target->second;
        m_request.path = slash < 0 ? QByteArray("/") : rest.mid(slash);
        if (m_request.path.startsWith('?'))
            m_request.path.prepend('/');
        if (m_request.path.contains('#'))
            return invalid(Text::tr("a fragment in the request target"));
        if (hosts == 1) {
            auto stated = splitAuthority(host, 80);
            if (!stated || stated->first != m_request.host || stated->second != m_request.port)
                return invalid(Text::tr("the Host header disagrees with the request target"));
        }
    }
    if (!m_request.connect && !m_request.chunked && m_request.contentLength <= 0)
        m_messageDone = true; // no body: the message ends with its head
    // A host that looks numeric must be a valid address (never left to a resolver's reading).
    if (auto literal = AddressGuard::parseLiteral(m_request.host); !literal)
        return invalid(literal.error().message);
    return m_state = State::Head;
}

} // namespace paddock
