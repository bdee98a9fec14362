// libFuzzer target: what a sign-in container leaves (SignIn::credential) is written by the agent's
// login inside the container and may be anything: the pane's text (Claude Code's token), Codex's
// auth.json, Copilot's JSON files. Properties: never crashes; what is kept is never empty, Claude's
// token has a token's shape, Codex's is the file as it was, Copilot's a GitHub token's shape.
#include "agents/SignIn.h"

#include <cctype>
#include <cstddef>
#include <cstdint>

using namespace paddock;
using Kind = Persona::Agent::Kind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const QMap<QString, QByteArray> files{{QStringLiteral("screen.txt"), bytes},
                                          {QStringLiteral("codex-auth.json"), bytes},
                                          {QStringLiteral("copilot-config.json"), bytes}};
    if (auto claude = SignIn::credential(Kind::Claude, files))
        if (!claude->startsWith("sk-ant-") || claude->contains(' ') || claude->contains('\n'))
            __builtin_trap();
    if (auto codex = SignIn::credential(Kind::Codex, files))
        if (*codex != bytes)
            __builtin_trap();
    if (auto copilot = SignIn::credential(Kind::Copilot, files)) {
        if (!copilot->startsWith("gho_") && !copilot->startsWith("ghu_") &&
            !copilot->startsWith("github_pat_"))
            __builtin_trap();
        for (const char c : *copilot)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
                __builtin_trap();
    }
    return 0;
}
