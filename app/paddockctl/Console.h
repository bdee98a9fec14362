#pragma once

#include <QTextStream>

// paddockctl's standard output and error, shared by every command so that what they print
// comes out in order (one buffered stream each, not one per file).
QTextStream &out();
QTextStream &err();
