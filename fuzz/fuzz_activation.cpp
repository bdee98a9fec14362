// libFuzzer target: the single-instance socket accepts lines from any process of the same user.
// Property: parsing never crashes; an accepted line re-encoded is accepted with the same arguments.
#include "instance/SingleInstance.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray line(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto arguments = SingleInstance::parseActivation(line);
    if (!arguments)
        return 0;
    const QJsonObject again{{QStringLiteral("version"), 1},
                            {QStringLiteral("command"), QStringLiteral("activate")},
                            {QStringLiteral("arguments"), QJsonArray::fromStringList(*arguments)}};
    const auto reparsed =
        SingleInstance::parseActivation(QJsonDocument(again).toJson(QJsonDocument::Compact));
    if (!reparsed || *reparsed != *arguments)
        __builtin_trap();
    return 0;
}
