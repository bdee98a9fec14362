<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>main</name>
    <message>
        <source>Control center for AI coding agents.</source>
        <translation>Steuerzentrale für KI-Programmieragenten.</translation>
    </message>
    <message>
        <source>Start in the system tray.</source>
        <translation>Im Systemabschnitt der Kontrollleiste starten.</translation>
    </message>
    <message>
        <source>Start, check the main window and the tray, and exit with 0 or a reason.</source>
        <translation>Starten, Hauptfenster und Kontrollleiste prüfen und mit 0 oder einer Begründung beenden.</translation>
    </message>
    <message>
        <source>Use DIR for configuration instead of $XDG_CONFIG_HOME/paddock.</source>
        <translation>VERZEICHNIS statt $XDG_CONFIG_HOME/paddock für die Konfiguration verwenden.</translation>
    </message>
    <message>
        <source>DIR</source>
        <translation>VERZEICHNIS</translation>
    </message>
    <message>
        <source>paddock: already running; raised its window</source>
        <translation>paddock: läuft bereits; sein Fenster wurde nach vorn geholt</translation>
    </message>
    <message>
        <source>Paddock cannot start</source>
        <translation>Paddock kann nicht starten</translation>
    </message>
    <message>
        <source>another Paddock is running with this configuration</source>
        <translation>ein anderes Paddock läuft mit dieser Konfiguration</translation>
    </message>
    <message>
        <source>Quit it, or give the self-test a configuration of its own with --config-dir.</source>
        <translation>Beenden Sie es, oder geben Sie dem Selbsttest mit --config-dir eine eigene Konfiguration.</translation>
    </message>
</context>
<context>
    <name>paddock::AboutDialog</name>
    <message>
        <source>About Paddock</source>
        <translation>Über Paddock</translation>
    </message>
    <message>
        <source>Paddock %1</source>
        <translation>Paddock %1</translation>
    </message>
    <message>
        <source>A control center for AI coding agents in hardened containers, under Cedar policies.</source>
        <translation>Eine Steuerzentrale für KI-Programmieragenten in gehärteten Containern, unter Cedar-Richtlinien.</translation>
    </message>
    <message>
        <source>Configuration:</source>
        <translation>Konfiguration:</translation>
    </message>
    <message>
        <source>Data:</source>
        <translation>Daten:</translation>
    </message>
    <message>
        <source>Qt:</source>
        <translation>Qt:</translation>
    </message>
    <message>
        <source>%1 (built with %2)</source>
        <translation>%1 (erstellt mit %2)</translation>
    </message>
    <message>
        <source>System:</source>
        <translation>System:</translation>
    </message>
    <message>
        <source>Licence:</source>
        <translation>Lizenz:</translation>
    </message>
    <message>
        <source>Apache License 2.0</source>
        <translation>Apache-Lizenz 2.0</translation>
    </message>
</context>
<context>
    <name>paddock::AtomicFile</name>
    <message>
        <source>cannot create the folder</source>
        <translation>Ordner kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Check its permissions and free space.</source>
        <translation>Prüfen Sie seine Zugriffsrechte und den freien Speicherplatz.</translation>
    </message>
    <message>
        <source>cannot write: %1</source>
        <translation>Schreiben nicht möglich: %1</translation>
    </message>
    <message>
        <source>Check the folder&apos;s permissions and free space.</source>
        <translation>Prüfen Sie die Zugriffsrechte des Ordners und den freien Speicherplatz.</translation>
    </message>
    <message>
        <source>Check free space.</source>
        <translation>Prüfen Sie den freien Speicherplatz.</translation>
    </message>
    <message>
        <source>cannot keep the previous version</source>
        <translation>die vorherige Fassung kann nicht aufbewahrt werden</translation>
    </message>
    <message>
        <source>cannot replace the file: %1</source>
        <translation>Datei kann nicht ersetzt werden: %1</translation>
    </message>
    <message>
        <source>no such file</source>
        <translation>Datei nicht vorhanden</translation>
    </message>
    <message>
        <source>cannot read: %1</source>
        <translation>Lesen nicht möglich: %1</translation>
    </message>
    <message>
        <source>Check the file&apos;s permissions.</source>
        <translation>Prüfen Sie die Zugriffsrechte der Datei.</translation>
    </message>
</context>
<context>
    <name>paddock::DesktopShell</name>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
</context>
<context>
    <name>paddock::Engine</name>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>startet</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>running with problems</source>
        <translation>läuft mit Problemen</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>stopping</source>
        <translation>wird angehalten</translation>
    </message>
    <message>
        <source>Paddock engine: %1</source>
        <translation>Paddock-Dienst: %1</translation>
    </message>
    <message numerus="yes">
        <source>Paddock engine: %1 (%n problem(s))</source>
        <translation>
            <numerusform>Paddock-Dienst: %1 (%n Problem)</numerusform>
            <numerusform>Paddock-Dienst: %1 (%n Probleme)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>paddock::LogModel</name>
    <message>
        <source>Debug</source>
        <translation>Debug</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>Info</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>Critical</source>
        <translation>Kritisch</translation>
    </message>
    <message>
        <source>Fatal</source>
        <translation>Fatal</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Stufe</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Kategorie</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
</context>
<context>
    <name>paddock::LogPage</name>
    <message>
        <source>&amp;Follow new messages</source>
        <translation>Neuen Meldungen &amp;folgen</translation>
    </message>
    <message>
        <source>&amp;Clear</source>
        <translation>&amp;Leeren</translation>
    </message>
</context>
<context>
    <name>paddock::MainWindow</name>
    <message>
        <source>Paddock</source>
        <translation>Paddock</translation>
    </message>
    <message>
        <source>&amp;Paddock</source>
        <translation>&amp;Paddock</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About Paddock</source>
        <translation>&amp;Über Paddock</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
</context>
<context>
    <name>paddock::PreferencesDialog</name>
    <message>
        <source>&amp;Keep Paddock running in the system tray when its window is closed</source>
        <translation>Paddock beim Schließen des Fensters in der &amp;Kontrollleiste weiterlaufen lassen</translation>
    </message>
    <message>
        <source>Paddock Preferences</source>
        <translation>Paddock-Einstellungen</translation>
    </message>
    <message>
        <source>System tray</source>
        <translation>Kontrollleiste</translation>
    </message>
    <message>
        <source>No system tray is available on this desktop, so closing the window quits Paddock.</source>
        <translation>Diese Arbeitsumgebung hat keine Kontrollleiste; das Schließen des Fensters beendet Paddock daher.</translation>
    </message>
    <message>
        <source>Settings are stored in %1.</source>
        <translation>Die Einstellungen werden in %1 gespeichert.</translation>
    </message>
    <message>
        <source>That file could not be read, so changes are not saved this session.</source>
        <translation>Diese Datei konnte nicht gelesen werden; Änderungen werden in dieser Sitzung daher nicht gespeichert.</translation>
    </message>
</context>
<context>
    <name>paddock::SelfTest</name>
    <message>
        <source>the engine is running</source>
        <translation>der Dienst läuft</translation>
    </message>
    <message>
        <source>the engine is %1</source>
        <translation>der Dienst ist im Zustand „%1“</translation>
    </message>
    <message>
        <source>the main window is on screen</source>
        <translation>das Hauptfenster ist auf dem Bildschirm</translation>
    </message>
    <message>
        <source>the main window was not exposed by the window system</source>
        <translation>das Fenstersystem hat das Hauptfenster nicht angezeigt</translation>
    </message>
    <message>
        <source>the main window has its pages</source>
        <translation>das Hauptfenster hat seine Seiten</translation>
    </message>
    <message>
        <source>no pages in the main window</source>
        <translation>keine Seiten im Hauptfenster</translation>
    </message>
    <message>
        <source>note: no system tray on this display; tray checks skipped (closing the window quits)</source>
        <translation>Hinweis: keine Kontrollleiste auf dieser Anzeige; deren Prüfungen entfallen (Schließen des Fensters beendet)</translation>
    </message>
    <message>
        <source>the tray icon is shown</source>
        <translation>das Symbol in der Kontrollleiste wird angezeigt</translation>
    </message>
    <message>
        <source>the tray icon is not visible or has no image (is the SVG icon plugin installed?)</source>
        <translation>das Symbol in der Kontrollleiste ist unsichtbar oder ohne Bild (ist das SVG-Symbolmodul installiert?)</translation>
    </message>
    <message>
        <source>the tray menu has status, Show/Hide and Quit</source>
        <translation>das Kontrollleistenmenü hat Status, Anzeigen/Ausblenden und Beenden</translation>
    </message>
    <message>
        <source>the tray menu is incomplete</source>
        <translation>das Kontrollleistenmenü ist unvollständig</translation>
    </message>
    <message>
        <source>Hide in the tray menu hides the window</source>
        <translation>Ausblenden im Kontrollleistenmenü blendet das Fenster aus</translation>
    </message>
    <message>
        <source>the window is still visible</source>
        <translation>das Fenster ist noch sichtbar</translation>
    </message>
    <message>
        <source>Show in the tray menu shows the window again</source>
        <translation>Anzeigen im Kontrollleistenmenü zeigt das Fenster wieder</translation>
    </message>
    <message>
        <source>the window did not come back</source>
        <translation>das Fenster ist nicht zurückgekehrt</translation>
    </message>
    <message>
        <source>Quit in the tray menu is connected</source>
        <translation>Beenden im Kontrollleistenmenü ist verbunden</translation>
    </message>
    <message>
        <source>nothing listens to the tray&apos;s Quit</source>
        <translation>niemand reagiert auf Beenden in der Kontrollleiste</translation>
    </message>
    <message>
        <source>self-test passed</source>
        <translation>Selbsttest bestanden</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>ok: %1</source>
        <translation>ok: %1</translation>
    </message>
    <message>
        <source>FAILED: %1</source>
        <translation>FEHLGESCHLAGEN: %1</translation>
    </message>
    <message>
        <source>self-test failed</source>
        <translation>Selbsttest fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>paddock::Settings</name>
    <message>
        <source>true or false</source>
        <translation>true oder false</translation>
    </message>
    <message>
        <source>a base64 string</source>
        <translation>eine Base64-Zeichenkette</translation>
    </message>
    <message>
        <source>a string</source>
        <translation>eine Zeichenkette</translation>
    </message>
    <message>
        <source>Paddock uses its defaults and will not save settings until the file is fixed or removed (the previous version, if any, is %1).</source>
        <translation>Paddock verwendet seine Voreinstellungen und speichert keine Einstellungen, bis die Datei berichtigt oder entfernt ist (die vorherige Fassung, falls vorhanden, ist %1).</translation>
    </message>
    <message>
        <source>not valid JSON: %1</source>
        <translation>kein gültiges JSON: %1</translation>
    </message>
    <message>
        <source>expected a JSON object</source>
        <translation>ein JSON-Objekt wurde erwartet</translation>
    </message>
    <message>
        <source>&quot;version&quot; must be a positive whole number</source>
        <translation>„version“ muss eine positive ganze Zahl sein</translation>
    </message>
    <message>
        <source>written by a newer Paddock (settings version %1; this Paddock reads up to %2)</source>
        <translation>von einem neueren Paddock geschrieben (Einstellungsversion %1; dieses Paddock liest bis %2)</translation>
    </message>
    <message>
        <source>&quot;%1&quot; must be %2</source>
        <translation>„%1“ muss %2 sein</translation>
    </message>
    <message>
        <source>a key contains a control character</source>
        <translation>ein Schlüssel enthält ein Steuerzeichen</translation>
    </message>
</context>
<context>
    <name>paddock::SingleInstance</name>
    <message>
        <source>cannot create the instance lock</source>
        <translation>die Instanzsperre kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Check that the folder exists and is writable.</source>
        <translation>Prüfen Sie, ob der Ordner existiert und beschreibbar ist.</translation>
    </message>
    <message>
        <source>cannot listen for other launches: %1</source>
        <translation>auf weitere Starts kann nicht gewartet werden: %1</translation>
    </message>
    <message>
        <source>the running Paddock (process %1)</source>
        <translation>das laufende Paddock (Prozess %1)</translation>
    </message>
    <message>
        <source>If it hangs, end it (kill %1) and start Paddock again.</source>
        <translation>Falls es hängt, beenden Sie es (kill %1) und starten Sie Paddock erneut.</translation>
    </message>
    <message>
        <source>%1 does not answer: %2</source>
        <translation>%1 antwortet nicht: %2</translation>
    </message>
    <message>
        <source>%1 does not answer</source>
        <translation>%1 antwortet nicht</translation>
    </message>
    <message>
        <source>%1 did not confirm</source>
        <translation>%1 hat nicht bestätigt</translation>
    </message>
    <message>
        <source>%1 refused the request</source>
        <translation>%1 hat die Anfrage abgelehnt</translation>
    </message>
    <message>
        <source>It may be a different version of Paddock; quit it and start again.</source>
        <translation>Es ist vielleicht eine andere Paddock-Version; beenden Sie es und starten Sie erneut.</translation>
    </message>
</context>
<context>
    <name>paddock::TrayIcon</name>
    <message>
        <source>&amp;Quit Paddock</source>
        <translation>Paddock &amp;beenden</translation>
    </message>
    <message>
        <source>Paddock is still running</source>
        <translation>Paddock läuft weiter</translation>
    </message>
    <message>
        <source>Paddock keeps watching your agents from the system tray. Use Quit in the tray menu to stop it, or turn this off in Preferences.</source>
        <translation>Paddock behält Ihre Agenten von der Kontrollleiste aus im Blick. Beenden Sie es über „Beenden“ im Kontrollleistenmenü, oder schalten Sie dies in den Einstellungen ab.</translation>
    </message>
    <message>
        <source>Paddock</source>
        <translation>Paddock</translation>
    </message>
    <message>
        <source>&amp;Hide Paddock</source>
        <translation>Paddock &amp;ausblenden</translation>
    </message>
    <message>
        <source>&amp;Show Paddock</source>
        <translation>Paddock &amp;anzeigen</translation>
    </message>
</context>
<context>
    <name>paddockctl</name>
    <message>
        <source>paddockctl: stopping (signal %1)</source>
        <translation>paddockctl: wird angehalten (Signal %1)</translation>
    </message>
    <message>
        <source>paddockctl: engine ready (pid %1, configuration in %2)</source>
        <translation>paddockctl: Dienst bereit (PID %1, Konfiguration in %2)</translation>
    </message>
    <message>
        <source>paddockctl: problem: %1</source>
        <translation>paddockctl: Problem: %1</translation>
    </message>
    <message>
        <source>paddockctl: %1</source>
        <translation>paddockctl: %1</translation>
    </message>
    <message>
        <source>paddockctl: stopped</source>
        <translation>paddockctl: angehalten</translation>
    </message>
    <message>
        <source>Paddock command line and headless engine.</source>
        <translation>Paddock-Befehlszeile und Dienst ohne Fenster.</translation>
    </message>
    <message>
        <source>Use DIR for configuration instead of $XDG_CONFIG_HOME/paddock.</source>
        <translation>VERZEICHNIS statt $XDG_CONFIG_HOME/paddock für die Konfiguration verwenden.</translation>
    </message>
    <message>
        <source>DIR</source>
        <translation>VERZEICHNIS</translation>
    </message>
    <message>
        <source>serve: run the engine without a window until SIGINT or SIGTERM.</source>
        <translation>serve: den Dienst ohne Fenster bis SIGINT oder SIGTERM ausführen.</translation>
    </message>
    <message>
        <source>paddockctl: unknown command &quot;%1&quot;; see paddockctl --help</source>
        <translation>paddockctl: unbekannter Befehl „%1“; siehe paddockctl --help</translation>
    </message>
</context>
</TS>
