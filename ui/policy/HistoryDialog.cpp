#include "HistoryDialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace paddock {

namespace {
constexpr qsizetype MaxDiffCells = 4'000'000; // beyond that, the diff is not worth the wait
}

HistoryDialog::HistoryDialog(PolicyStore &store, const QString &name, const QString &current, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_name(name)
    , m_current(current)
    , m_list(new QListWidget)
    , m_diff(new QPlainTextEdit)
    , m_revert(new QPushButton(tr("&Revert to this version")))
{
    setObjectName(QStringLiteral("historyDialog"));
    setWindowTitle(tr("History of %1").arg(name));
    m_list->setObjectName(QStringLiteral("historyList"));
    m_diff->setObjectName(QStringLiteral("historyDiff"));
    m_revert->setObjectName(QStringLiteral("revertButton"));
    m_diff->setReadOnly(true);
    m_diff->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_revert->setEnabled(false);

    auto *split = new QSplitter;
    split->addWidget(m_list);
    split->addWidget(m_diff);
    split->setStretchFactor(1, 3);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_revert, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("Saved versions, newest first. The diff shows what reverting would change in "
                      "the editor's text.")));
    layout->addWidget(split, 1);
    layout->addWidget(buttons);
    resize(900, 560);

    connect(m_list, &QListWidget::currentRowChanged, this, &HistoryDialog::showVersion);
    connect(&m_loader, &QFutureWatcher<QString>::finished, this, [this] {
        m_diff->setPlainText(m_loader.result());
        m_revert->setEnabled(m_list->currentRow() >= 0);
    });
    connect(m_revert, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        if (row < 0 || row >= m_versions.size())
            return;
        m_revert->setEnabled(false);
        const PolicyStore::Version version = m_versions[row];
        PolicyStore *s = &m_store;
        const QString n = m_name;
        m_reverter.setFuture(QtConcurrent::run([s, n, version] { return s->revert(n, version); }));
    });
    connect(&m_reverter, &QFutureWatcher<Result<void>>::finished, this, [this] {
        const Result<void> r = m_reverter.result();
        if (!r) {
            m_diff->setPlainText(tr("Cannot revert: %1").arg(r.error().text()));
            return;
        }
        emit reverted(m_name);
        accept();
    });

    // Listing versions reads a folder: a worker does it.
    auto *lister = new QFutureWatcher<QList<PolicyStore::Version>>(this);
    connect(lister, &QFutureWatcher<QList<PolicyStore::Version>>::finished, this, [this, lister] {
        m_versions = lister->result();
        lister->deleteLater();
        for (const PolicyStore::Version &v : std::as_const(m_versions))
            m_list->addItem(QLocale().toString(v.time.toLocalTime(), QLocale::ShortFormat) +
                            v.time.toLocalTime().toString(QStringLiteral(":ss")));
        if (m_versions.isEmpty())
            m_diff->setPlainText(tr("No saved versions yet: every save adds one."));
        else
            m_list->setCurrentRow(0);
    });
    PolicyStore *s = &m_store;
    const QString n = m_name;
    lister->setFuture(QtConcurrent::run([s, n] { return s->history(n); }));
}

HistoryDialog::~HistoryDialog()
{
    m_loader.waitForFinished();
    m_reverter.waitForFinished();
}

void HistoryDialog::showVersion(int row)
{
    if (row < 0 || row >= m_versions.size())
        return;
    m_revert->setEnabled(false);
    const PolicyStore::Version version = m_versions[row];
    PolicyStore *s = &m_store;
    const QString n = m_name, current = m_current;
    m_loader.setFuture(QtConcurrent::run([s, n, version, current] {
        auto text = s->versionText(n, version);
        if (!text)
            return text.error().text();
        return diff(current, *text);
    }));
}

QString HistoryDialog::diff(const QString &from, const QString &to)
{
    const QStringList a = from.split(QLatin1Char('\n'));
    const QStringList b = to.split(QLatin1Char('\n'));
    if (a == b)
        return tr("(identical to the editor's text)");
    if (a.size() * b.size() > MaxDiffCells)
        return tr("(too large to show a diff; the versions differ)");
    // Longest common subsequence, then walk it.
    const qsizetype n = a.size(), m = b.size();
    std::vector<int> lcs(size_t((n + 1) * (m + 1)), 0);
    auto at = [&](qsizetype i, qsizetype j) -> int & { return lcs[size_t(i * (m + 1) + j)]; };
    for (qsizetype i = n - 1; i >= 0; --i)
        for (qsizetype j = m - 1; j >= 0; --j)
            at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    QString out;
    qsizetype i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            out += QStringLiteral("  ") + a[i++] + QLatin1Char('\n');
            ++j;
        } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
            out += QStringLiteral("- ") + a[i++] + QLatin1Char('\n'); // removals before additions
        } else {
            out += QStringLiteral("+ ") + b[j++] + QLatin1Char('\n');
        }
    }
    return out;
}

} // namespace paddock
