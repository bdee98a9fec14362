#pragma once

#include <QDialog>

namespace paddock {

// What this is, which version, where it keeps its files, and the licence.
class AboutDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AboutDialog)

public:
    explicit AboutDialog(QWidget *parent = nullptr);
};

} // namespace paddock
