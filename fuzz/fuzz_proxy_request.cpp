// libFuzzer target: every byte a proxy client sends is an agent's to choose. Properties: parsing
// never crashes, however the bytes are split; a head it accepts names a host and a port in range,
// and says where the body or tunnel starts within what it was given.
#include "proxy/RequestParser.h"

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype step = size > 0 ? 1 + data[0] % 97 : 1;
    RequestParser p;
    qsizetype fed = 0;
    for (qsizetype at = 0; at < input.size(); at += step) {
        const QByteArray chunk = input.mid(at, step);
        const auto state = p.feed(chunk);
        if (p.consumed() < 0 || p.consumed() > chunk.size())
            __builtin_trap();
        fed += chunk.size();
        if (state == RequestParser::State::Head) {
            if (p.request().host.isEmpty() || p.request().port < 1 || p.request().port > 65535 ||
                p.request().headLength > fed || p.request().headLength > RequestParser::MaxHeadBytes)
                __builtin_trap();
            break;
        }
        if (state == RequestParser::State::Invalid)
            break;
    }
    return 0;
}
