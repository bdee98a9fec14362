#pragma once

#include <QColor>
#include <QFrame>
#include <QPalette>

namespace paddock {

// The look of a banner for something the user must act on (the main window's problems, a page's
// own): a framed, amber panel, the same everywhere.
inline void styleAsWarningBanner(QFrame *banner)
{
    banner->setFrameShape(QFrame::StyledPanel);
    banner->setAutoFillBackground(true);
    QPalette warn = banner->palette();
    warn.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
    warn.setColor(QPalette::WindowText, QColor(0x3a, 0x2a, 0x00));
    banner->setPalette(warn);
}

} // namespace paddock
