#pragma once

#include <QString>

#include <expected>

namespace paddock {

// A failure a person can act on: what happened, where (a file:line:column, a socket, a key), and
// what to do about it.
struct Error
{
    enum class Code {
        Io,          // reading or writing failed
        Parse,       // input is not well-formed
        Invalid,     // well-formed but not acceptable
        NotFound,    // nothing there
        Busy,        // held by someone else (another instance, a lock)
        Unavailable, // a service does not answer
        Internal,    // a bug in Paddock
    };

    Code code = Code::Internal;
    QString message;
    QString where;
    QString hint;

    // Defined so that a Result<T> can travel in a signal (Qt's meta-type asks for ==).
    bool operator==(const Error &) const = default;

    // "where: message" followed by the hint on its own line, as shown to people.
    QString text() const
    {
        QString out = where.isEmpty() ? message : where + QStringLiteral(": ") + message;
        if (!hint.isEmpty())
            out += QLatin1Char('\n') + hint;
        return out;
    }
};

template <typename T> using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error::Code code, QString message, QString where = {}, QString hint = {})
{
    return std::unexpected(Error{code, std::move(message), std::move(where), std::move(hint)});
}

} // namespace paddock
