#pragma once

#include "common/Error.h"
#include "runtime/EngineClient.h"

#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QTimer>

#include <atomic>
#include <memory>
#include <thread>

class QTemporaryDir;

namespace paddock {

// Builds Paddock's agent image without a registry: runs the recipe
// (packaging/image/build-agent-image) into a tar in a private 0700 temporary folder, then imports
// the tar through the engine's API with the image's configuration (user dev, its home, the
// entrypoint paddock-agent with the mode "shell"). Asynchronous throughout: the recipe is a
// QProcess, the import runs on a thread of its own with its own EngineClient, so the thread the
// builder lives on (the UI's, for the dialog) never blocks. progress() rises to 100; finished()
// comes once per start(). cancel() stops the recipe (its whole process group) and leaves nothing
// behind: no temporary files and no image, even when the import was already under way.
class ImageBuilder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImageBuilder)

public:
    explicit ImageBuilder(EngineClient::Endpoint endpoint, QObject *parent = nullptr);
    // Waits for an import under way (it cannot be interrupted halfway) and removes what it made.
    ~ImageBuilder() override;

    // localhost/paddock-agent:<Paddock's version>.
    static QString defaultImageName();
    // The recipe beside the sources when running from the build tree, else the installed one
    // (<prefix>/share/paddock/image/build-agent-image, found relative to the executable first).
    static QString recipePath();
    // The image's configuration as Dockerfile instructions, for EngineClient::importImage, with
    // `labels` ("key=value", as the recipe wrote them beside its archive) as LABEL instructions.
    static QStringList imageChanges(const QStringList &labels = {});
    // The labels the recipe wrote to `path` (ARCHIVE.labels): one "io.paddock.…=value" a line. A
    // line that is not one (a key outside io.paddock., a value with other than letters, digits and
    // ._+-) is an error naming the file and line.
    static Result<QStringList> readLabels(const QString &path);
    // Whether the engine has `name`; false when it does not or cannot be asked.
    static bool imageExists(EngineClient &client, const QString &name);
    // The agents an image carries, as the recipe labelled them (io.paddock.agent.NAME=VERSION):
    // NAME → VERSION, from the engine's inspection of the image.
    static QMap<QString, QString> agentVersions(const QJsonObject &inspectedImage);
    // The recipe label (io.paddock.recipe) an image built by this Paddock's recipe carries, with or
    // without the agents: the first 16 hex digits of SHA-256 over build-agent-image, paddock-agent
    // and (with the agents) their lock file, as build-agent-image computes it. Reads those files.
    static QString currentRecipe(bool withAgents = true);
    // Whether an agent image (io.paddock.image=agent) was built from another recipe than this
    // Paddock's: its agents and entrypoint are older or newer than this version's ("Update agents").
    static bool isOutdated(const QJsonObject &inspectedImage);

    // Another recipe with the same interface (--output FILE, "progress:" lines); for tests.
    void setRecipe(const QString &path) { m_recipe = path; }
    // More Debian packages for the image (the recipe's --include).
    void setExtraPackages(const QStringList &packages) { m_extraPackages = packages; }
    void setMirror(const QString &url) { m_mirror = url; }
    // Whether the coding agents go into the image (the default), or only the base (--no-agents).
    void setAgents(bool agents) { m_agents = agents; }

    // Builds `imageName` ("repository:tag"; the tag defaults to "latest"). A second start()
    // while one runs fails (through finished()).
    void start(const QString &imageName = defaultImageName());
    void cancel();
    bool isRunning() const { return m_running; }
    // The folder of the build under way (empty when none); for tests checking it is gone.
    QString workDir() const;

signals:
    void progress(int percent, const QString &text);
    void finished(const paddock::Result<QString> &imageId);

private:
    void readOutput();
    void recipeFinished(int exitCode, QProcess::ExitStatus status);
    void importFinished(const Result<QString> &result);
    void finish(const Result<QString> &result);
    void report(int percent, const QString &text);
    void signalGroup(int signal);
    void removeWorkDir();

    QString m_recipe;
    QStringList m_extraPackages;
    QString m_mirror;
    bool m_agents = true;
    EngineClient::Endpoint m_endpoint;
    QString m_image;
    QString m_repository;
    QString m_tag;
    QProcess *m_process = nullptr;
    std::unique_ptr<QTemporaryDir> m_work;
    QTimer m_killTimer;
    QByteArray m_pending; // an incomplete output line
    QStringList m_log;    // the recipe's last lines that were not progress
    int m_percent = 0;
    bool m_running = false;
    std::atomic_bool m_cancelled = false;
    std::thread m_import;
};

} // namespace paddock
