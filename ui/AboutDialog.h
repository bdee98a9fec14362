#pragma once

#include <QDialog>

class QLabel;

namespace paddock {
class PersonaRuntime;
}

namespace paddock {

// What this is, which version, where it keeps its files, the agents in the agent image (read from
// its labels, asked of the persona runtime, off the UI thread), and the licence.
class AboutDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AboutDialog)

public:
    // The agents are asked of `runtime` (the engine's persona service; none: not asked).
    explicit AboutDialog(QWidget *parent = nullptr, PersonaRuntime *runtime = nullptr,
                         const QString &image = {});

    QString agentsText() const;

signals:
    void agentsRead(); // the agents' line is filled in (tests)

private:
    QLabel *m_agents = nullptr;
};

} // namespace paddock
