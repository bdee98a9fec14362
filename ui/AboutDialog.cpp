#include "AboutDialog.h"

#include "Icons.h"
#include "config/Paths.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QSysInfo>
#include <QVBoxLayout>

namespace paddock {

AboutDialog::AboutDialog(QWidget *parent)
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

} // namespace paddock
