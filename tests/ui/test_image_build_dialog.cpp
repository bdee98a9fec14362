// The "Build agent image" dialog, driven by clicks. The recipe is a fast stand-in with the real
// one's interface (progress lines, --output FILE, a sentence on failure); it writes a tiny busybox
// root, which the dialog's builder really imports into podman. The real recipe is covered by
// test_image_builder.
#include "../core/BusyboxImage.h"
#include "personas/ImageBuildDialog.h"
#include "runtime/EngineClient.h"
#include "runtime/ImageBuilder.h"

#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace paddock;

class TestImageBuildDialog : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::optional<EngineClient::Endpoint> m_endpoint;
    QString m_image = QStringLiteral("localhost/paddock-image-dialog-%1:1").arg(::getpid());

    QString recipe(const QString &name, const QByteArray &body)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write("#!/bin/sh\n"
                "[ \"$1\" = --output ] || exit 2\n"
                "out=$2\n" +
                body);
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        return path;
    }

    struct Widgets
    {
        QPushButton *build, *cancel, *close;
        QProgressBar *progress;
        QLabel *step, *error, *explanation;
    };
    static Widgets widgets(const ImageBuildDialog &d)
    {
        return {d.findChild<QPushButton *>(QStringLiteral("imageBuildButton")),
                d.findChild<QPushButton *>(QStringLiteral("imageBuildCancel")),
                d.findChild<QPushButton *>(QStringLiteral("imageBuildClose")),
                d.findChild<QProgressBar *>(QStringLiteral("imageBuildProgress")),
                d.findChild<QLabel *>(QStringLiteral("imageBuildStep")),
                d.findChild<QLabel *>(QStringLiteral("imageBuildError")),
                d.findChild<QLabel *>(QStringLiteral("imageBuildExplanation"))};
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        m_endpoint = *endpoint;
        QFile tar(m_dir.filePath(QStringLiteral("root.tar")));
        QVERIFY(tar.open(QIODevice::WriteOnly));
        const QByteArray root = busyboxRootTar();
        QVERIFY(!root.isEmpty());
        tar.write(root);
    }

    void buildSucceedsAndOffersClose()
    {
        ImageBuildDialog dialog(m_image, *m_endpoint);
        dialog.builder()->setRecipe(
            recipe(QStringLiteral("ok"),
                   "for p in 10 30 60 85; do echo \"progress: $p step $p\" >&2; sleep 0.2; done\n"
                   "cp '" +
                       m_dir.filePath(QStringLiteral("root.tar")).toUtf8() +
                       "' \"$out\"\n"
                       "echo \"progress: 100 wrote $out\" >&2\n"));
        const Widgets w = widgets(dialog);
        QVERIFY(w.build && w.cancel && w.close && w.progress && w.step && w.error && w.explanation);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(w.explanation->text().contains(m_image));
        QVERIFY(w.explanation->text().contains(QStringLiteral("1.8 GB")));
        QVERIFY(w.explanation->text().contains(QStringLiteral("minutes")));
        QVERIFY(w.explanation->text().contains(QStringLiteral("Claude Code")));
        QVERIFY(w.explanation->text().contains(QStringLiteral("npm registry")));
        QVERIFY(w.explanation->text().contains(QStringLiteral("Debian")));
        QVERIFY(!w.close->isVisible());
        QVERIFY(!w.progress->isVisible());

        EngineClient client(*m_endpoint);
        QVERIFY(client.connect());
        auto cleanup = qScopeGuard([&] { (void)client.removeImage(m_image); });
        QSignalSpy built(&dialog, &ImageBuildDialog::imageBuilt);
        QList<int> seen;
        connect(w.progress, &QProgressBar::valueChanged, this, [&](int v) { seen << v; });
        QTest::mouseClick(w.build, Qt::LeftButton);
        QVERIFY(w.progress->isVisible());
        QVERIFY(!w.build->isEnabled());
        // The UI thread keeps going while it builds: events are processed in between.
        QTRY_VERIFY_WITH_TIMEOUT(w.progress->value() > 0 && w.progress->value() < 100, 10000);
        QVERIFY(built.wait(60000));
        QCOMPARE(built.first().first().toString(), m_image);
        QCOMPARE(w.progress->value(), 100);
        QVERIFY(std::is_sorted(seen.begin(), seen.end()));
        QVERIFY(w.step->text().contains(QStringLiteral("ready")));
        QVERIFY(w.close->isVisible());
        QVERIFY(!w.build->isVisible());
        QVERIFY(!w.error->isVisible());
        QVERIFY(ImageBuilder::imageExists(client, m_image));
        QTest::mouseClick(w.close, Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
    }

    void failureIsShownInTheDialog()
    {
        ImageBuildDialog dialog(m_image, *m_endpoint);
        dialog.builder()->setRecipe(recipe(
            QStringLiteral("fail"),
            "echo 'progress: 1 checking the Debian mirror http://192.0.2.1/debian' >&2\n"
            "echo 'build-agent-image: cannot reach the Debian mirror http://192.0.2.1/debian (timed out); "
            "check the network or pass --mirror URL' >&2\nexit 1\n"));
        const Widgets w = widgets(dialog);
        dialog.show();
        QSignalSpy built(&dialog, &ImageBuildDialog::imageBuilt);
        QTest::mouseClick(w.build, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.error->isVisible(), 20000);
        QVERIFY2(w.error->text().contains(QStringLiteral("cannot reach the Debian mirror")),
                 qPrintable(w.error->text()));
        QVERIFY(w.error->text().contains(QStringLiteral("check the network")));
        QVERIFY(w.build->isEnabled());
        QVERIFY(w.build->text().contains(QStringLiteral("Try again")));
        QVERIFY(!w.close->isVisible());
        QVERIFY(built.isEmpty());
        QVERIFY(dialog.isVisible());
    }

    void cancelStopsTheBuildAndLeavesNothing()
    {
        ImageBuildDialog dialog(m_image, *m_endpoint);
        dialog.builder()->setRecipe(recipe(
            QStringLiteral("slow"), "echo 'progress: 20 downloading' >&2\ntouch \"$out.partial\"\nsleep 60\n"
                                    "echo 'progress: 100 too late' >&2\n"));
        const Widgets w = widgets(dialog);
        dialog.show();
        QTest::mouseClick(w.build, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(w.progress->value(), 18, 10000); // 20 of the recipe's 90 %
        const QString workDir = dialog.builder()->workDir();
        QVERIFY(QFileInfo::exists(workDir));
        QElapsedTimer timer;
        timer.start();
        QTest::mouseClick(w.cancel, Qt::LeftButton);
        QVERIFY(dialog.isVisible()); // stays until the build has stopped
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.builder()->isRunning(), 10000);
        QVERIFY(timer.elapsed() < 10000); // not the recipe's 60 s
        QVERIFY(w.step->text().contains(QStringLiteral("Cancelled")));
        QVERIFY(!w.error->isVisible());
        QVERIFY(w.build->isEnabled());
        QVERIFY(!QFileInfo::exists(workDir));
        EngineClient client(*m_endpoint);
        QVERIFY(client.connect());
        QVERIFY(!ImageBuilder::imageExists(client, m_image));
        // Now Cancel closes it.
        QTest::mouseClick(w.cancel, Qt::LeftButton);
        QVERIFY(!dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
    }
};

QTEST_MAIN(TestImageBuildDialog)
#include "test_image_build_dialog.moc"
