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
    <message>
        <source>Policies</source>
        <translation>Richtlinien</translation>
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
    <name>paddock::HistoryDialog</name>
    <message>
        <source>&amp;Revert to this version</source>
        <translation>Auf diese Fassung &amp;zurücksetzen</translation>
    </message>
    <message>
        <source>History of %1</source>
        <translation>Verlauf von %1</translation>
    </message>
    <message>
        <source>Saved versions, newest first. The diff shows what reverting would change in the editor&apos;s text.</source>
        <translation>Gespeicherte Fassungen, die neueste zuerst. Der Vergleich zeigt, was das Zurücksetzen am Text im Editor ändern würde.</translation>
    </message>
    <message>
        <source>Cannot revert: %1</source>
        <translation>Zurücksetzen nicht möglich: %1</translation>
    </message>
    <message>
        <source>No saved versions yet: every save adds one.</source>
        <translation>Noch keine gespeicherten Fassungen: Jedes Speichern fügt eine hinzu.</translation>
    </message>
    <message>
        <source>(identical to the editor&apos;s text)</source>
        <translation>(identisch mit dem Text im Editor)</translation>
    </message>
    <message>
        <source>(too large to show a diff; the versions differ)</source>
        <translation>(zu groß für einen Vergleich; die Fassungen unterscheiden sich)</translation>
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
    <name>paddock::PolicyEditorPage</name>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>&amp;History…</source>
        <translation>&amp;Verlauf …</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren …</translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation>E&amp;xportieren …</translation>
    </message>
    <message>
        <source>Check, save and enforce this policy set (Ctrl+S)</source>
        <translation>Diesen Richtliniensatz prüfen, speichern und in Kraft setzen (Strg+S)</translation>
    </message>
    <message>
        <source>Policy set:</source>
        <translation>Richtliniensatz:</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>Zeile</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>Spalte</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>Richtlinie</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>What if…</source>
        <translation>Was wäre wenn …</translation>
    </message>
    <message>
        <source>&amp;Evaluate</source>
        <translation>&amp;Auswerten</translation>
    </message>
    <message>
        <source>Principal:</source>
        <translation>Principal:</translation>
    </message>
    <message>
        <source>Action:</source>
        <translation>Aktion:</translation>
    </message>
    <message>
        <source>Resource:</source>
        <translation>Ressource:</translation>
    </message>
    <message>
        <source>Entities (JSON):</source>
        <translation>Entitäten (JSON):</translation>
    </message>
    <message>
        <source>Context (JSON):</source>
        <translation>Kontext (JSON):</translation>
    </message>
    <message>
        <source>Import Cedar policies</source>
        <translation>Cedar-Richtlinien importieren</translation>
    </message>
    <message>
        <source>Cedar policies (*.cedar)</source>
        <translation>Cedar-Richtlinien (*.cedar)</translation>
    </message>
    <message>
        <source>Export Cedar policies</source>
        <translation>Cedar-Richtlinien exportieren</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>Saved and enforced: %1</source>
        <translation>Gespeichert und in Kraft gesetzt: %1</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Ungespeicherte Änderungen</translation>
    </message>
    <message>
        <source>The policy set &quot;%1&quot; has changes that are not saved.</source>
        <translation>Der Richtliniensatz „%1“ hat ungespeicherte Änderungen.</translation>
    </message>
    <message>
        <source>Save them (they are checked first), discard them, or go back to editing?</source>
        <translation>Möchten Sie sie speichern (sie werden zuerst geprüft), verwerfen oder zur Bearbeitung zurückkehren?</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Wird geprüft …</translation>
    </message>
    <message numerus="yes">
        <source>Valid: %n policies</source>
        <translation>
            <numerusform>Gültig: %n Richtlinie</numerusform>
            <numerusform>Gültig: %n Richtlinien</numerusform>
        </translation>
    </message>
    <message>
        <source> (not saved)</source>
        <translation> (nicht gespeichert)</translation>
    </message>
    <message numerus="yes">
        <source>%n error(s)</source>
        <translation>
            <numerusform>%n Fehler</numerusform>
            <numerusform>%n Fehler</numerusform>
        </translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Wird gespeichert …</translation>
    </message>
    <message>
        <source>Reverted and enforced: %1</source>
        <translation>Zurückgesetzt und in Kraft gesetzt: %1</translation>
    </message>
    <message>
        <source>Cannot read %1</source>
        <translation>%1 kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>Imported %1 (not saved)</source>
        <translation>%1 importiert (nicht gespeichert)</translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation>Nach %1 exportiert</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>%1 kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>Fix the errors in the policies first.</source>
        <translation>Beheben Sie zuerst die Fehler in den Richtlinien.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Principal</source>
        <translation>Principal</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>Ressource</translation>
    </message>
    <message>
        <source>Entities</source>
        <translation>Entitäten</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>Kontext</translation>
    </message>
    <message>
        <source>&lt;b&gt;ALLOW&lt;/b&gt;</source>
        <translation>&lt;b&gt;ERLAUBT&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;DENY&lt;/b&gt;</source>
        <translation>&lt;b&gt;VERWEHRT&lt;/b&gt;</translation>
    </message>
    <message>
        <source>no policy permits</source>
        <translation>keine Richtlinie erlaubt</translation>
    </message>
    <message>
        <source>decided by %1</source>
        <translation>entschieden durch %1</translation>
    </message>
</context>
<context>
    <name>paddock::PolicyStore</name>
    <message numerus="yes">
        <source>(%n more error(s) after this one)</source>
        <translation>
            <numerusform>(%n weiterer Fehler nach diesem)</numerusform>
            <numerusform>(%n weitere Fehler nach diesem)</numerusform>
        </translation>
    </message>
    <message>
        <source>invalid policies</source>
        <translation>ungültige Richtlinien</translation>
    </message>
    <message>
        <source>Policies are checked without a schema until it is fixed.</source>
        <translation>Bis das Schema berichtigt ist, werden Richtlinien ohne Schema geprüft.</translation>
    </message>
    <message>
        <source>Until it is fixed, this policy set denies everything.</source>
        <translation>Bis der Fehler behoben ist, verwehrt dieser Richtliniensatz alles.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a valid policy set name</source>
        <translation>„%1“ ist kein gültiger Name für einen Richtliniensatz</translation>
    </message>
    <message>
        <source>Use letters, digits and dashes.</source>
        <translation>Verwenden Sie Buchstaben, Ziffern und Bindestriche.</translation>
    </message>
    <message>
        <source>not a version of &quot;%1&quot;</source>
        <translation>keine Fassung von „%1“</translation>
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
    <message>
        <source>&amp;Policies…</source>
        <translation>&amp;Richtlinien …</translation>
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
        <source>paddockctl: unknown command &quot;%1&quot;; see paddockctl --help</source>
        <translation>paddockctl: unbekannter Befehl „%1“; siehe paddockctl --help</translation>
    </message>
    <message>
        <source>serve: run the engine without a window until SIGINT or SIGTERM.
policy validate|authorize|test|format: Cedar policies (see paddockctl policy COMMAND --help).</source>
        <translation>serve: den Dienst ohne Fenster bis SIGINT oder SIGTERM ausführen.
policy validate|authorize|test|format: Cedar-Richtlinien (siehe paddockctl policy BEFEHL --help).</translation>
    </message>
    <message>
        <source>paddockctl: %1: cannot read: %2</source>
        <translation>paddockctl: %1: Lesen nicht möglich: %2</translation>
    </message>
    <message>
        <source>Checks that Cedar policy files parse; prints every error with its line and column.</source>
        <translation>Prüft, ob sich Cedar-Richtliniendateien parsen lassen; gibt jeden Fehler mit Zeile und Spalte aus.</translation>
    </message>
    <message>
        <source>FILE</source>
        <translation>DATEI</translation>
    </message>
    <message>
        <source>Policy files (.cedar).</source>
        <translation>Richtliniendateien (.cedar).</translation>
    </message>
    <message>
        <source>FILE…</source>
        <translation>DATEI…</translation>
    </message>
    <message>
        <source>paddockctl policy validate: name at least one policy file</source>
        <translation>paddockctl policy validate: Geben Sie mindestens eine Richtliniendatei an</translation>
    </message>
    <message numerus="yes">
        <source>%1: valid (%n policies)</source>
        <translation>
            <numerusform>%1: gültig (%n Richtlinie)</numerusform>
            <numerusform>%1: gültig (%n Richtlinien)</numerusform>
        </translation>
    </message>
    <message>
        <source>Decides one request against a policy set and an entity store.</source>
        <translation>Entscheidet eine Anfrage anhand eines Richtliniensatzes und eines Entitätenspeichers.</translation>
    </message>
    <message>
        <source>Policy file.</source>
        <translation>Richtliniendatei.</translation>
    </message>
    <message>
        <source>Entities (Cedar JSON).</source>
        <translation>Entitäten (Cedar-JSON).</translation>
    </message>
    <message>
        <source>The principal, e.g. &apos;User::&quot;alice&quot;&apos;.</source>
        <translation>Der Principal, z. B. &apos;User::&quot;alice&quot;&apos;.</translation>
    </message>
    <message>
        <source>ENTITY</source>
        <translation>ENTITÄT</translation>
    </message>
    <message>
        <source>The action, e.g. &apos;Action::&quot;view&quot;&apos;.</source>
        <translation>Die Aktion, z. B. &apos;Action::&quot;view&quot;&apos;.</translation>
    </message>
    <message>
        <source>The resource.</source>
        <translation>Die Ressource.</translation>
    </message>
    <message>
        <source>The context, a JSON object.</source>
        <translation>Der Kontext, ein JSON-Objekt.</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Print the decision as JSON.</source>
        <translation>Die Entscheidung als JSON ausgeben.</translation>
    </message>
    <message>
        <source>paddockctl policy authorize: --%1 is required</source>
        <translation>paddockctl policy authorize: --%1 ist erforderlich</translation>
    </message>
    <message>
        <source>paddockctl policy authorize: --%1: %2</source>
        <translation>paddockctl policy authorize: --%1: %2</translation>
    </message>
    <message>
        <source>paddockctl policy authorize: --context: %1</source>
        <translation>paddockctl policy authorize: --context: %1</translation>
    </message>
    <message>
        <source>ALLOW</source>
        <translation>ERLAUBT</translation>
    </message>
    <message>
        <source>DENY</source>
        <translation>VERWEHRT</translation>
    </message>
    <message>
        <source>reason: %1</source>
        <translation>Begründung: %1</translation>
    </message>
    <message>
        <source>no policy permits</source>
        <translation>keine Richtlinie erlaubt</translation>
    </message>
    <message>
        <source>error in %1: %2</source>
        <translation>Fehler in %1: %2</translation>
    </message>
    <message>
        <source>%1: cannot read: %2</source>
        <translation>%1: Lesen nicht möglich: %2</translation>
    </message>
    <message>
        <source>FAIL %1: validation: expected %2, got %3</source>
        <translation>FEHLGESCHLAGEN %1: Validierung: %2 erwartet, %3 erhalten</translation>
    </message>
    <message>
        <source>decision %1, expected %2</source>
        <translation>Entscheidung %1, erwartet %2</translation>
    </message>
    <message>
        <source>reason %1, expected %2</source>
        <translation>Begründung %1, erwartet %2</translation>
    </message>
    <message>
        <source>errors %1, expected %2</source>
        <translation>Fehler %1, erwartet %2</translation>
    </message>
    <message>
        <source>FAIL %1: &quot;%2&quot;</source>
        <translation>FEHLGESCHLAGEN %1: „%2“</translation>
    </message>
    <message>
        <source>Runs tests in Cedar&apos;s integration-test format and ends with &quot;N passed, N failed&quot;.</source>
        <translation>Führt Tests im Integrationstestformat von Cedar aus und endet mit „N bestanden, N fehlgeschlagen“.</translation>
    </message>
    <message>
        <source>Resolve the paths inside the tests against DIR (default: the current folder).</source>
        <translation>Die Pfade in den Tests relativ zu VERZEICHNIS auflösen (Vorgabe: der aktuelle Ordner).</translation>
    </message>
    <message>
        <source>Test files (.json).</source>
        <translation>Testdateien (.json).</translation>
    </message>
    <message>
        <source>TEST.json…</source>
        <translation>TEST.json…</translation>
    </message>
    <message>
        <source>paddockctl policy test: name at least one test file</source>
        <translation>paddockctl policy test: Geben Sie mindestens eine Testdatei an</translation>
    </message>
    <message>
        <source>%1 passed, %2 failed</source>
        <translation>%1 bestanden, %2 fehlgeschlagen</translation>
    </message>
    <message>
        <source>Formats Cedar policy files in Paddock&apos;s canonical layout (close to `cedar format`), keeping every comment. Prints the formatted text unless --check or --write is given. Exit status: 0 done, 1 a file is not formatted (--check), 2 a file cannot be read, parsed or written.</source>
        <translation>Formatiert Cedar-Richtliniendateien im kanonischen Layout von Paddock (nahe an `cedar format`) und behält dabei jeden Kommentar. Gibt den formatierten Text aus, sofern weder --check noch --write angegeben ist. Exit-Status: 0 erledigt, 1 eine Datei ist nicht formatiert (--check), 2 eine Datei kann nicht gelesen, geparst oder geschrieben werden.</translation>
    </message>
    <message>
        <source>Print only the names of the files that are not formatted, and exit with 1 if there are any.</source>
        <translation>Nur die Namen der nicht formatierten Dateien ausgeben und mit 1 beenden, falls es welche gibt.</translation>
    </message>
    <message>
        <source>Replace the files that are not formatted with their formatted text, keeping the previous version as FILE.bak.</source>
        <translation>Nicht formatierte Dateien durch ihren formatierten Text ersetzen und die vorherige Fassung als DATEI.bak aufbewahren.</translation>
    </message>
    <message>
        <source>paddockctl policy format: name at least one policy file</source>
        <translation>paddockctl policy format: Geben Sie mindestens eine Richtliniendatei an</translation>
    </message>
    <message>
        <source>%1: not formatted</source>
        <translation>%1: nicht formatiert</translation>
    </message>
    <message>
        <source>paddockctl policy format: %1</source>
        <translation>paddockctl policy format: %1</translation>
    </message>
    <message>
        <source>%1: formatted (the previous version is %2)</source>
        <translation>%1: formatiert (die vorherige Fassung ist %2)</translation>
    </message>
    <message>
        <source>paddockctl policy: unknown command &quot;%1&quot;; the commands are validate, authorize, test and format</source>
        <translation>paddockctl policy: unbekannter Befehl „%1“; die Befehle sind validate, authorize, test und format</translation>
    </message>
    <message>
        <source>Also check the policies against this schema (.cedarschema, or Cedar&apos;s JSON format).</source>
        <translation>Die Richtlinien zusätzlich gegen dieses Schema prüfen (.cedarschema oder Cedars JSON-Format).</translation>
    </message>
</context>
</TS>
