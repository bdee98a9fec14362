#pragma once

#include "proxy/EgressProxy.h"

#include <QMutex>
#include <QString>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace paddock {

// Monotonic microseconds: the proxy's clock (buckets, deadlines, durations).
inline qint64 nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Refilled continuously at `rate` per second up to `burst`.
struct TokenBucket
{
    double rate = 0;
    double burst = 0;
    double tokens = 0;
    qint64 lastUs = 0;

    void configure(double newRate, double newBurst)
    {
        if (burst == 0 && lastUs == 0)
            tokens = newBurst;
        rate = newRate;
        burst = newBurst;
        tokens = std::min(tokens, burst);
    }
    void refill(qint64 now)
    {
        if (lastUs)
            tokens = std::min(burst, tokens + double(now - lastUs) * rate / 1e6);
        lastUs = now;
    }
    bool take(qint64 now, double n = 1)
    {
        refill(now);
        if (tokens < n)
            return false;
        tokens -= n;
        return true;
    }
    qint64 available(qint64 now)
    {
        refill(now);
        return qint64(tokens);
    }
};

// What the workers share about a persona: its settings and buckets under a mutex, its counters
// as atomics (read by status() at any time).
struct ProxyPersonaState
{
    mutable QMutex mutex;
    ProxyPersona config;     // guarded
    TokenBucket connections; // guarded
    TokenBucket bytes;       // guarded
    std::atomic<qint64> requests{0}, allowed{0}, denied{0}, wouldDeny{0}, limited{0}, invalid{0}, failed{0};
    std::atomic<qint64> bytesUp{0}, bytesDown{0};
    std::atomic<int> active{0};

    // Any thread: new settings, its buckets following its limits.
    void configure(const ProxyPersona &persona);
    ProxyPersona settings() const
    {
        QMutexLocker lock(&mutex);
        return config;
    }
    ProxyCounters counters() const;

    // A new request (counted): the persona's settings now, and why its limits refuse it (a 429's
    // reason; empty when they let it in).
    struct Admission
    {
        ProxyPersona settings;
        QString refusal;
    };
    Admission admit(qint64 now);

    // The bytes its tunnels may read now, at most `most` (bytesPerSecond); 0 or less: none.
    qint64 bytesAvailable(qint64 now, qint64 most)
    {
        QMutexLocker lock(&mutex);
        return std::min<qint64>(most, bytes.available(now));
    }
    void spendBytes(qint64 n)
    {
        QMutexLocker lock(&mutex);
        bytes.tokens -= double(n);
    }
};

} // namespace paddock
