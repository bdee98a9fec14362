// libFuzzer target: what the container engine sends is not Paddock's to trust (another program on
// the socket, a compromised engine). Properties: the events parser, the stats parser, the tar
// header reader and the log demultiplexer never crash; demultiplexing gives the same lines however
// the stream is split into chunks, and never keeps more than one incomplete frame.
#include "runtime/EngineClient.h"
#include "runtime/EngineEvents.h"
#include "runtime/Tar.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    for (const QByteArray &line : input.split('\n'))
        (void)EngineEvents::parse(line);
    (void)EngineClient::parseStats(QJsonDocument::fromJson(input).object());
    (void)Tar::firstHeader(input);

    // The whole stream at once, and the same stream cut where the first byte says.
    QByteArray rest;
    const QList<EngineClient::LogLine> whole = EngineClient::demultiplex(rest, input);
    const QByteArray wholeRest = rest;
    const qsizetype step = size > 0 ? 1 + data[0] % 61 : 1;
    QByteArray restInParts;
    QList<EngineClient::LogLine> parts;
    for (qsizetype at = 0; at < input.size(); at += step)
        parts += EngineClient::demultiplex(restInParts, input.mid(at, step));
    if (parts.size() != whole.size() || restInParts != wholeRest)
        __builtin_trap();
    for (qsizetype i = 0; i < whole.size(); ++i)
        if (parts[i].text != whole[i].text || parts[i].stream != whole[i].stream)
            __builtin_trap();
    return 0;
}
