#pragma once
// For tests of the persona runtime: waiting for a persona to reach a state, while the event loop
// runs.

#include "runtime/PersonaRuntime.h"

#include <QElapsedTimer>
#include <QTest>

namespace paddock::test {

inline bool waitForState(PersonaRuntime &runtime, const QString &persona, PersonaStatus::State state,
                         int ms = 60000)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (auto s = runtime.status(persona); s && s->state == state)
            return true;
        QTest::qWait(20);
    }
    return false;
}

} // namespace paddock::test
