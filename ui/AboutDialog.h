#pragma once

#include "runtime/EngineClient.h"

#include <QDialog>

#include <optional>

class QLabel;

namespace paddock {

// What this is, which version, where it keeps its files, the agents in the agent image (read from
// its labels off the UI thread, when there is an engine), and the licence.
class AboutDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AboutDialog)

public:
    explicit AboutDialog(QWidget *parent = nullptr,
                         std::optional<EngineClient::Endpoint> endpoint = std::nullopt,
                         const QString &image = {});

    QString agentsText() const;

signals:
    void agentsRead(); // the agents' line is filled in (tests)

private:
    QLabel *m_agents = nullptr;
};

} // namespace paddock
