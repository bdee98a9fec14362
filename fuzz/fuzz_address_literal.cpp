// libFuzzer target: the host of every CONNECT and absolute-form request is an agent's to choose.
// Properties: parsing never crashes; an address that parses prints as text that parses back to the
// same address, and is judged the same.
#include "proxy/AddressGuard.h"

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString host = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    auto parsed = AddressGuard::parseLiteral(host);
    if (!parsed || !parsed->has_value())
        return 0;
    const IpAddress &a = **parsed;
    auto again = AddressGuard::parseLiteral(a.toString());
    if (!again || !again->has_value() || **again != a)
        __builtin_trap();
    if (AddressGuard::refusal(a) != AddressGuard::refusal(**again))
        __builtin_trap();
    return 0;
}
