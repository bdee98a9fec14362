// shellQuoted: what a real shell reads back is exactly the words given, whatever they hold.
#include "common/ShellQuote.h"

#include <QProcess>
#include <QTest>

using namespace paddock;

class TestShellQuote : public QObject
{
    Q_OBJECT

private slots:
    void plainWordsStayAsTheyAre()
    {
        QCOMPARE(shellQuoted(QStringList{QStringLiteral("podman"), QStringLiteral("--url"),
                                         QStringLiteral("unix:///run/user/1000/podman/podman.sock")}),
                 QStringLiteral("podman --url unix:///run/user/1000/podman/podman.sock"));
    }

    void aShellReadsBackEveryWord_data()
    {
        QTest::addColumn<QStringList>("words");
        QTest::newRow("spaces") << QStringList{QStringLiteral("two words"), QStringLiteral(" lead")};
        QTest::newRow("quotes") << QStringList{QStringLiteral("it's"), QStringLiteral("\"x\""),
                                               QStringLiteral("''")};
        QTest::newRow("expansions") << QStringList{QStringLiteral("$HOME"), QStringLiteral("`id`"),
                                                   QStringLiteral("$(id)"), QStringLiteral("*"),
                                                   QStringLiteral("~")};
        QTest::newRow("separators") << QStringList{QStringLiteral("a;b"), QStringLiteral("a|b"),
                                                   QStringLiteral("a&b"), QStringLiteral("a\nb"),
                                                   QStringLiteral("\\"),  QStringLiteral("trailing\n")};
        QTest::newRow("empty") << QStringList{QString(), QStringLiteral("x")};
        QTest::newRow("a leading dash") << QStringList{QStringLiteral("-c"), QStringLiteral("--")};
    }

    void aShellReadsBackEveryWord()
    {
        QFETCH(QStringList, words);
        QProcess sh;
        // printf prints each argument the shell parsed on a line of its own, between brackets.
        sh.start(QStringLiteral("/bin/sh"),
                 {QStringLiteral("-c"), QStringLiteral("printf '[%s]\\n' ") + shellQuoted(words)});
        QVERIFY(sh.waitForFinished(10000));
        QCOMPARE(sh.exitCode(), 0);
        QString expected;
        for (const QString &w : words)
            expected += u'[' + w + QStringLiteral("]\n");
        QCOMPARE(QString::fromUtf8(sh.readAllStandardOutput()), expected);
    }
};

QTEST_GUILESS_MAIN(TestShellQuote)
#include "test_shell_quote.moc"
