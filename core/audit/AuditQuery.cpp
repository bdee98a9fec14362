#include "audit/AuditQuery.h"

namespace paddock {

bool AuditFilter::isEmpty() const
{
    return !sinceUs && !untilUs && persona.isEmpty() && !source && decisions.isEmpty() && text.isEmpty();
}

bool AuditFilter::matches(const AuditEvent &e) const
{
    if (sinceUs && e.timeUs < *sinceUs)
        return false;
    if (untilUs && e.timeUs >= *untilUs)
        return false;
    if (!persona.isEmpty() && e.persona != persona)
        return false;
    if (source && e.source != *source)
        return false;
    if (!decisions.isEmpty() && !decisions.contains(e.decision))
        return false;
    if (!text.isEmpty() && !e.resource.contains(text, Qt::CaseInsensitive) &&
        !e.action.contains(text, Qt::CaseInsensitive) &&
        !QString::fromUtf8(e.details).contains(text, Qt::CaseInsensitive))
        return false;
    return true;
}

} // namespace paddock
