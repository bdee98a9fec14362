#include "AboutDialog.h"

#include "Icons.h"
#include "config/Paths.h"
#include "personas/Persona.h"
#include "runtime/ImageBuilder.h"
#include "runtime/PersonaRuntime.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QSysInfo>
#include <QVBoxLayout>

namespace paddock {

namespace {
// The agents' line: their names and versions, or why there are none to show.
QString agentsLine(const QString &image, const Result<QJsonObject> &info)
{
    if (!info) {
        if (info.error().code == Error::Code::NotFound)
            return AboutDialog::tr("%1 is not built yet (Build agent image on the Personas page)").arg(image);
        if (info.error().code == Error::Code::Unavailable)
            return AboutDialog::tr("the container engine does not answer");
        return info.error().text();
    }
    const auto versions = ImageBuilder::agentVersions(*info);
    if (versions.isEmpty())
        return AboutDialog::tr("none in %1 (built without them)").arg(image);
    static const QMap<QString, QString> names{{QStringLiteral("claude"), QStringLiteral("Claude Code")},
                                              {QStringLiteral("codex"), QStringLiteral("Codex")},
                                              {QStringLiteral("opencode"), QStringLiteral("opencode")},
                                              {QStringLiteral("copilot"), QStringLiteral("Copilot CLI")}};
    QStringList out;
    for (auto it = versions.cbegin(); it != versions.cend(); ++it)
        out << names.value(it.key(), it.key()) + u' ' + it.value();
    return AboutDialog::tr("%1 (in %2)").arg(out.join(QStringLiteral(", ")), image);
}
} // namespace

AboutDialog::AboutDialog(QWidget *parent, PersonaRuntime *runtime, const QString &image)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("aboutDialog"));
    setWindowTitle(tr("About Paddock"));

    auto *icon = new QLabel;
    icon->setPixmap(Icons::application().pixmap(64, 64));
    auto *title = new QLabel(QStringLiteral("<h2>%1</h2><p>%2</p>")
                                 .arg(tr("Paddock %1").arg(QStringLiteral(PADDOCK_VERSION)),
                                      tr("A control center for AI coding agents in hardened containers, "
                                         "under Cedar policies.")));
    title->setObjectName(QStringLiteral("aboutTitle"));
    title->setWordWrap(true);

    auto *details = new QGridLayout;
    int row = 0;
    auto addRow = [&](const QString &label, const QString &value) {
        auto *v = new QLabel(value);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse);
        details->addWidget(new QLabel(label), row, 0, Qt::AlignRight | Qt::AlignTop);
        details->addWidget(v, row++, 1);
    };
    addRow(tr("Configuration:"), Paths::configDir());
    addRow(tr("Data:"), Paths::dataDir());
    addRow(tr("Qt:"),
           tr("%1 (built with %2)").arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR)));
    addRow(tr("System:"), QSysInfo::prettyProductName());
    const QString agentImage = image.isEmpty() ? defaultAgentImage() : image;
    addRow(tr("Agents:"), runtime ? tr("reading %1…").arg(agentImage) : tr("no container engine to ask"));
    m_agents = qobject_cast<QLabel *>(details->itemAtPosition(row - 1, 1)->widget());
    m_agents->setObjectName(QStringLiteral("aboutAgents"));
    m_agents->setWordWrap(true);
    if (runtime) {
        runtime->inspectImage(agentImage, this, [this, agentImage](const Result<QJsonObject> &info) {
            m_agents->setText(agentsLine(agentImage, info));
            emit agentsRead();
        });
    }
    addRow(tr("Licence:"), tr("Apache License 2.0"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->setObjectName(QStringLiteral("aboutButtons"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addWidget(title, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(details);
    layout->addWidget(buttons);
}

QString AboutDialog::agentsText() const
{
    return m_agents->text();
}

} // namespace paddock
