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
    <message>
        <source>Agents:</source>
        <translation>Agenten:</translation>
    </message>
    <message>
        <source>reading %1…</source>
        <translation>%1 wird gelesen …</translation>
    </message>
    <message>
        <source>no container engine to ask</source>
        <translation>kein Container-Dienst, der gefragt werden kann</translation>
    </message>
    <message>
        <source>the container engine does not answer</source>
        <translation>der Container-Dienst antwortet nicht</translation>
    </message>
    <message>
        <source>%1 is not built yet (Build agent image on the Personas page)</source>
        <translation>%1 ist noch nicht erstellt („Agenten-Image erstellen“ auf der Seite „Personas“)</translation>
    </message>
    <message>
        <source>none in %1 (built without them)</source>
        <translation>keine in %1 (ohne sie erstellt)</translation>
    </message>
    <message>
        <source>%1 (in %2)</source>
        <translation>%1 (in %2)</translation>
    </message>
</context>
<context>
    <name>paddock::AddressGuard</name>
    <message>
        <source>unspecified (0.0.0.0/8)</source>
        <translation>nicht festgelegt (0.0.0.0/8)</translation>
    </message>
    <message>
        <source>loopback (127.0.0.0/8)</source>
        <translation>Loopback (127.0.0.0/8)</translation>
    </message>
    <message>
        <source>private (RFC 1918)</source>
        <translation>privat (RFC 1918)</translation>
    </message>
    <message>
        <source>link-local (169.254.0.0/16, where cloud metadata lives)</source>
        <translation>link-lokal (169.254.0.0/16, wo Cloud-Metadaten liegen)</translation>
    </message>
    <message>
        <source>carrier-grade NAT (100.64.0.0/10)</source>
        <translation>Carrier-Grade-NAT (100.64.0.0/10)</translation>
    </message>
    <message>
        <source>reserved for protocols (192.0.0.0/24)</source>
        <translation>für Protokolle reserviert (192.0.0.0/24)</translation>
    </message>
    <message>
        <source>reserved for benchmarks (198.18.0.0/15)</source>
        <translation>für Leistungsmessungen reserviert (198.18.0.0/15)</translation>
    </message>
    <message>
        <source>multicast (224.0.0.0/4)</source>
        <translation>Multicast (224.0.0.0/4)</translation>
    </message>
    <message>
        <source>reserved (240.0.0.0/4) or broadcast</source>
        <translation>reserviert (240.0.0.0/4) oder Broadcast</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a valid IP address: %2</source>
        <translation>„%1“ ist keine gültige IP-Adresse: %2</translation>
    </message>
    <message>
        <source>Name the host, or write its address as four decimal numbers (or in IPv6).</source>
        <translation>Nennen Sie den Host beim Namen, oder schreiben Sie seine Adresse als vier Dezimalzahlen (oder in IPv6).</translation>
    </message>
    <message>
        <source>an opening bracket without its closing one</source>
        <translation>eine öffnende Klammer ohne schließende</translation>
    </message>
    <message>
        <source>zone indexes are not accepted</source>
        <translation>Zonenindizes werden nicht angenommen</translation>
    </message>
    <message>
        <source>not IPv6</source>
        <translation>kein IPv6</translation>
    </message>
    <message>
        <source>more than four parts</source>
        <translation>mehr als vier Teile</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a number</source>
        <translation>„%1“ ist keine Zahl</translation>
    </message>
    <message>
        <source>a part is over 255</source>
        <translation>ein Teil ist größer als 255</translation>
    </message>
    <message>
        <source>the last part is too large</source>
        <translation>der letzte Teil ist zu groß</translation>
    </message>
    <message>
        <source>an IPv6 form of the IPv4 address %1</source>
        <translation>eine IPv6-Form der IPv4-Adresse %1</translation>
    </message>
    <message>
        <source>unspecified (::)</source>
        <translation>nicht festgelegt (::)</translation>
    </message>
    <message>
        <source>loopback (::1)</source>
        <translation>Loopback (::1)</translation>
    </message>
    <message>
        <source>unique local (fc00::/7)</source>
        <translation>eindeutig lokal (fc00::/7)</translation>
    </message>
    <message>
        <source>link-local (fe80::/10)</source>
        <translation>link-lokal (fe80::/10)</translation>
    </message>
    <message>
        <source>site-local (fec0::/10)</source>
        <translation>standortlokal (fec0::/10)</translation>
    </message>
    <message>
        <source>multicast (ff00::/8)</source>
        <translation>Multicast (ff00::/8)</translation>
    </message>
    <message>
        <source>reserved for documentation (2001:db8::/32)</source>
        <translation>für Dokumentation reserviert (2001:db8::/32)</translation>
    </message>
    <message>
        <source>discard-only (100::/64)</source>
        <translation>nur zum Verwerfen (100::/64)</translation>
    </message>
</context>
<context>
    <name>paddock::AgentOutput</name>
    <message>
        <source>a line of more than %1 MiB was skipped</source>
        <translation>eine Zeile mit mehr als %1 MiB wurde übersprungen</translation>
    </message>
    <message>
        <source>%1 ended without reporting how its run went</source>
        <translation>%1 wurde beendet, ohne zu melden, wie sein Lauf verlief</translation>
    </message>
    <message>
        <source>a request to the model failed (%1), retrying: attempt %2 of %3</source>
        <translation>eine Anfrage an das Modell ist fehlgeschlagen (%1), neuer Versuch: Versuch %2 von %3</translation>
    </message>
    <message>
        <source>Claude Code reported an error</source>
        <translation>Claude Code hat einen Fehler gemeldet</translation>
    </message>
    <message>
        <source>Codex reported that its turn failed</source>
        <translation>Codex hat gemeldet, dass sein Durchgang fehlgeschlagen ist</translation>
    </message>
    <message>
        <source>%1 (failed: %2)</source>
        <translation>%1 (fehlgeschlagen: %2)</translation>
    </message>
    <message>
        <source>opencode&apos;s model stopped early (%1)</source>
        <translation>das Modell von opencode hat vorzeitig aufgehört (%1)</translation>
    </message>
    <message>
        <source>opencode reported an error</source>
        <translation>opencode hat einen Fehler gemeldet</translation>
    </message>
    <message>
        <source>a request to the model failed (%1), retrying</source>
        <translation>eine Anfrage an das Modell ist fehlgeschlagen (%1), neuer Versuch</translation>
    </message>
    <message>
        <source>Copilot CLI reported an error (%1)</source>
        <translation>Copilot CLI hat einen Fehler gemeldet (%1)</translation>
    </message>
    <message>
        <source>Copilot CLI ended with exit code %1</source>
        <translation>Copilot CLI wurde mit Exit-Code %1 beendet</translation>
    </message>
    <message>
        <source>Copilot CLI ended without an exit code</source>
        <translation>Copilot CLI wurde ohne Exit-Code beendet</translation>
    </message>
    <message>
        <source>Copilot CLI&apos;s usage report is not a JSON object (%1 at byte %2)</source>
        <translation>der Nutzungsbericht von Copilot CLI ist kein JSON-Objekt (%1 bei Byte %2)</translation>
    </message>
    <message>
        <source>Copilot CLI&apos;s usage report has no token counts (modelMetrics)</source>
        <translation>der Nutzungsbericht von Copilot CLI enthält keine Token-Zahlen (modelMetrics)</translation>
    </message>
    <message>
        <source>the %1 agent has no headless mode to run a prompt in</source>
        <translation>der Agent %1 hat keinen Modus ohne Oberfläche, in dem er einen Prompt ausführen könnte</translation>
    </message>
    <message>
        <source>Choose Claude Code, Codex, opencode or Copilot CLI for a job with a prompt.</source>
        <translation>Wählen Sie Claude Code, Codex, opencode oder Copilot CLI für einen Job mit Prompt.</translation>
    </message>
    <message>
        <source>the prompt is empty</source>
        <translation>der Prompt ist leer</translation>
    </message>
    <message>
        <source>the prompt contains a NUL character, which no command line can</source>
        <translation>der Prompt enthält ein NUL-Zeichen, das keine Befehlszeile aufnehmen kann</translation>
    </message>
    <message>
        <source>the prompt is %1 KiB, more than the %2 KiB one argument of a command may have</source>
        <translation>der Prompt ist %1 KiB groß, mehr als die %2 KiB, die ein einzelnes Argument eines Befehls haben darf</translation>
    </message>
    <message>
        <source>Put the long part in a file of the repository and ask the agent to read it.</source>
        <translation>Legen Sie den langen Teil in eine Datei des Repositorys und bitten Sie den Agenten, sie zu lesen.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a model name</source>
        <translation>„%1“ ist kein Modellname</translation>
    </message>
    <message>
        <source>the %1 agent has no reasoning effort to set</source>
        <translation>der Agent %1 hat keinen einstellbaren Denkaufwand</translation>
    </message>
    <message>
        <source>the effort &quot;%1&quot; is not one of %2</source>
        <translation>der Aufwand „%1“ ist keiner von %2</translation>
    </message>
    <message>
        <source>the cost limit must be a positive number of dollars</source>
        <translation>die Kostengrenze muss ein positiver Dollarbetrag sein</translation>
    </message>
    <message>
        <source>no headless command for the %1 agent</source>
        <translation>kein Befehl ohne Oberfläche für den Agenten %1</translation>
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
    <name>paddock::AuditEvent</name>
    <message>
        <source>unknown source &quot;%1&quot;</source>
        <translation>unbekannte Quelle „%1“</translation>
    </message>
    <message>
        <source>unknown decision &quot;%1&quot;</source>
        <translation>unbekannte Entscheidung „%1“</translation>
    </message>
</context>
<context>
    <name>paddock::AuditLogPage</name>
    <message>
        <source>&amp;Verify log</source>
        <translation>Protokoll &amp;prüfen</translation>
    </message>
    <message>
        <source>&amp;Follow</source>
        <translation>&amp;Folgen</translation>
    </message>
    <message>
        <source>Keep the newest event in view</source>
        <translation>Das neueste Ereignis im Blick behalten</translation>
    </message>
    <message>
        <source>Stop adding new events to the view; they are counted until you resume</source>
        <translation>Keine neuen Ereignisse mehr in die Ansicht aufnehmen; sie werden gezählt, bis Sie fortsetzen</translation>
    </message>
    <message>
        <source>E&amp;xport</source>
        <translation>E&amp;xportieren</translation>
    </message>
    <message>
        <source>Export &amp;selection…</source>
        <translation>&amp;Auswahl exportieren …</translation>
    </message>
    <message>
        <source>Export &amp;filtered…</source>
        <translation>&amp;Gefilterte exportieren …</translation>
    </message>
    <message>
        <source>Every event in the log that matches the filters, not only those shown</source>
        <translation>Jedes Ereignis im Protokoll, das zu den Filtern passt, nicht nur die angezeigten</translation>
    </message>
    <message>
        <source>Check every event&apos;s hash and its link to the event before it</source>
        <translation>Den Hash jedes Ereignisses und seine Verkettung mit dem vorherigen Ereignis prüfen</translation>
    </message>
    <message>
        <source>Verifying… %p%</source>
        <translation>Wird geprüft … %p%</translation>
    </message>
    <message>
        <source>&amp;Copy as JSON</source>
        <translation>Als JSON &amp;kopieren</translation>
    </message>
    <message>
        <source>Exported %1 events…</source>
        <translation>%1 Ereignisse exportiert …</translation>
    </message>
    <message>
        <source>Any persona</source>
        <translation>Jede Persona</translation>
    </message>
    <message>
        <source>Only the events of this persona (the list holds the personas seen so far)</source>
        <translation>Nur die Ereignisse dieser Persona (die Liste enthält die bisher gesehenen Personas)</translation>
    </message>
    <message>
        <source>Any source</source>
        <translation>Jede Quelle</translation>
    </message>
    <message>
        <source>Any decision</source>
        <translation>Jede Entscheidung</translation>
    </message>
    <message>
        <source>Denied (deny and would deny)</source>
        <translation>Verwehrt (Verwehren und Würde verwehren)</translation>
    </message>
    <message>
        <source>Search action, resource and details</source>
        <translation>Aktion, Ressource und Details durchsuchen</translation>
    </message>
    <message>
        <source>Persona</source>
        <translation>Persona</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Entscheidung</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Suche</translation>
    </message>
    <message>
        <source>Only the events from this part of Paddock</source>
        <translation>Nur die Ereignisse aus diesem Teil von Paddock</translation>
    </message>
    <message>
        <source>Only the events with this decision</source>
        <translation>Nur die Ereignisse mit dieser Entscheidung</translation>
    </message>
    <message>
        <source>Only the events in this time range are shown; click to show all</source>
        <translation>Nur die Ereignisse in diesem Zeitraum werden angezeigt; klicken Sie, um alle anzuzeigen</translation>
    </message>
    <message>
        <source>Select an event to see it in full.</source>
        <translation>Wählen Sie ein Ereignis aus, um es vollständig zu sehen.</translation>
    </message>
    <message>
        <source>Open &amp;policy</source>
        <translation>&amp;Richtlinie öffnen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>No audit events yet.</source>
        <translation>Noch keine Audit-Ereignisse.</translation>
    </message>
    <message>
        <source>No events match the filters.</source>
        <translation>Keine Ereignisse passen zu den Filtern.</translation>
    </message>
    <message>
        <source>%1 events shown, the most the view holds; narrow the filters or export to see older ones.</source>
        <translation>%1 Ereignisse angezeigt, mehr fasst die Ansicht nicht; schränken Sie die Filter ein oder exportieren Sie, um ältere zu sehen.</translation>
    </message>
    <message>
        <source>%1 events shown; scroll to the top for older ones.</source>
        <translation>%1 Ereignisse angezeigt; scrollen Sie nach oben, um ältere zu sehen.</translation>
    </message>
    <message>
        <source>%1 events shown.</source>
        <translation>%1 Ereignisse angezeigt.</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 bis %2</translation>
    </message>
    <message>
        <source>Since %1</source>
        <translation>Seit %1</translation>
    </message>
    <message>
        <source>Before %1</source>
        <translation>Vor %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Loading older events…</source>
        <translation>Ältere Ereignisse werden geladen …</translation>
    </message>
    <message>
        <source>Cannot read older events: %1</source>
        <translation>Ältere Ereignisse können nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Cannot read the audit log: %1</source>
        <translation>Das Audit-Protokoll kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>F&amp;ortsetzen</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Anhalten</translation>
    </message>
    <message>
        <source>at least %1 new</source>
        <translation>mindestens %1 neue</translation>
    </message>
    <message>
        <source>%1 new</source>
        <translation>%1 neue</translation>
    </message>
    <message>
        <source>No event selected.</source>
        <translation>Kein Ereignis ausgewählt.</translation>
    </message>
    <message>
        <source>Event %1 of %2; the first of the log.</source>
        <translation>Ereignis %1 von %2; das erste des Protokolls.</translation>
    </message>
    <message>
        <source>Event %1 of %2; chained onto event %3.</source>
        <translation>Ereignis %1 von %2; mit Ereignis %3 verkettet.</translation>
    </message>
    <message>
        <source>Hash: %1 (matches the event)</source>
        <translation>Hash: %1 (passt zum Ereignis)</translation>
    </message>
    <message>
        <source>Hash: %1 (does NOT match the event: it was changed after it was written)</source>
        <translation>Hash: %1 (passt NICHT zum Ereignis: es wurde nach dem Schreiben verändert)</translation>
    </message>
    <message>
        <source>Previous hash: %1 (none: nothing comes before)</source>
        <translation>Vorheriger Hash: %1 (keiner: davor kommt nichts)</translation>
    </message>
    <message>
        <source>Previous hash: %1</source>
        <translation>Vorheriger Hash: %1</translation>
    </message>
    <message>
        <source>Previous hash: %1 (that of event %2)</source>
        <translation>Vorheriger Hash: %1 (der von Ereignis %2)</translation>
    </message>
    <message>
        <source>Previous hash: %1 (does NOT match event %2: run Verify log)</source>
        <translation>Vorheriger Hash: %1 (passt NICHT zu Ereignis %2: führen Sie „Protokoll prüfen“ aus)</translation>
    </message>
    <message>
        <source>Show policy %1 of the set &quot;%2&quot; in the policy editor</source>
        <translation>Richtlinie %1 des Satzes „%2“ im Richtlinieneditor anzeigen</translation>
    </message>
    <message>
        <source>No policy decided this event</source>
        <translation>Keine Richtlinie hat über dieses Ereignis entschieden</translation>
    </message>
    <message>
        <source>Select the events to export first.</source>
        <translation>Wählen Sie zuerst die zu exportierenden Ereignisse aus.</translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl)</source>
        <translation>JSON Lines (*.jsonl)</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export selected audit events</source>
        <translation>Ausgewählte Audit-Ereignisse exportieren</translation>
    </message>
    <message>
        <source>Export audit events</source>
        <translation>Audit-Ereignisse exportieren</translation>
    </message>
    <message>
        <source>An export is running; wait for it or cancel it first.</source>
        <translation>Ein Export läuft; warten Sie ihn ab oder brechen Sie ihn zuerst ab.</translation>
    </message>
    <message>
        <source>Exporting audit events to %1…</source>
        <translation>Audit-Ereignisse werden nach %1 exportiert …</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cannot write the file: %1</source>
        <translation>Die Datei kann nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>Choose a folder you can write to.</source>
        <translation>Wählen Sie einen Ordner, in den Sie schreiben dürfen.</translation>
    </message>
    <message>
        <source>Check that the disk has room.</source>
        <translation>Prüfen Sie, ob auf dem Datenträger genug Platz ist.</translation>
    </message>
    <message>
        <source>Export cancelled; %1 was not written.</source>
        <translation>Export abgebrochen; %1 wurde nicht geschrieben.</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Exported %1 events to %2.</source>
        <translation>%1 Ereignisse nach %2 exportiert.</translation>
    </message>
    <message>
        <source>Stop &amp;verifying</source>
        <translation>Prüfung a&amp;bbrechen</translation>
    </message>
    <message>
        <source>Verification stopped before the end of the log.</source>
        <translation>Die Prüfung wurde vor dem Ende des Protokolls abgebrochen.</translation>
    </message>
    <message>
        <source>Cannot verify the audit log: %1</source>
        <translation>Das Audit-Protokoll kann nicht geprüft werden: %1</translation>
    </message>
    <message>
        <source>The audit log is intact: %1 events checked (events %2 to %3) in %4 s, %5 events/s.</source>
        <translation>Das Audit-Protokoll ist intakt: %1 Ereignisse geprüft (Ereignisse %2 bis %3) in %4 s, %5 Ereignisse/s.</translation>
    </message>
    <message>
        <source>The audit log was changed or damaged: %1 problems found in %2 events checked (%3 s).</source>
        <translation>Das Audit-Protokoll wurde verändert oder beschädigt: %1 Probleme in %2 geprüften Ereignissen gefunden (%3 s).</translation>
    </message>
    <message>
        <source>Event %1: %2 — %3</source>
        <translation>Ereignis %1: %2 — %3</translation>
    </message>
    <message>
        <source>(Verification stops listing after %1 problems.)</source>
        <translation>(Die Prüfung listet höchstens %1 Probleme auf.)</translation>
    </message>
    <message>
        <source>Searching older events…</source>
        <translation>Ältere Ereignisse werden durchsucht …</translation>
    </message>
    <message>
        <source>&amp;Allow this host…</source>
        <translation>Diesen &amp;Host erlauben …</translation>
    </message>
    <message>
        <source>Open the policy editor with a permit for this persona and host:port</source>
        <translation>Den Richtlinieneditor mit einer Erlaubnis für diese Persona und Host:Port öffnen</translation>
    </message>
    <message>
        <source>Suggest &amp;policy…</source>
        <translation>&amp;Richtlinie vorschlagen …</translation>
    </message>
    <message>
        <source>No policy can be suggested for %1: there is no such persona (any more). Add it on the Personas page, or edit the policy set of its trust level by hand.</source>
        <translation>Für %1 kann keine Richtlinie vorgeschlagen werden: Diese Persona gibt es (nicht mehr). Legen Sie sie auf der Seite „Personas“ an, oder bearbeiten Sie den Richtliniensatz ihrer Vertrauensstufe von Hand.</translation>
    </message>
    <message>
        <source>Draft a policy for %1 from every connection of it in the audit log (most useful while it runs in record mode)</source>
        <translation>Eine Richtlinie für %1 aus allen ihren Verbindungen im Audit-Protokoll entwerfen (am nützlichsten, während sie im Aufzeichnungsmodus läuft)</translation>
    </message>
    <message>
        <source>Reading what %1 connected to…</source>
        <translation>Es wird gelesen, womit sich %1 verbunden hat …</translation>
    </message>
    <message>
        <source>No policy was suggested for %1: %2</source>
        <translation>Für %1 wurde keine Richtlinie vorgeschlagen: %2</translation>
    </message>
    <message>
        <source>No policy was suggested for %1: the audit log has no connection of it through the proxy yet. Run it in record mode for a while, then try again.</source>
        <translation>Für %1 wurde keine Richtlinie vorgeschlagen: Das Audit-Protokoll enthält noch keine Verbindung von ihr über den Proxy. Lassen Sie sie eine Weile im Aufzeichnungsmodus laufen und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>Policy drafted for %1 from %2 events.</source>
        <translation>Richtlinie für %1 aus %2 Ereignissen entworfen.</translation>
    </message>
</context>
<context>
    <name>paddock::AuditModel</name>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>Richtlinie</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>Proxy</translation>
    </message>
    <message>
        <source>Git</source>
        <translation>Git</translation>
    </message>
    <message>
        <source>Runtime</source>
        <translation>Laufzeit</translation>
    </message>
    <message>
        <source>Scheduler</source>
        <translation>Zeitplaner</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>Info</translation>
    </message>
    <message>
        <source>Allow</source>
        <translation>Erlauben</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>Verwehren</translation>
    </message>
    <message>
        <source>Would deny</source>
        <translation>Würde verwehren</translation>
    </message>
    <message>
        <source>%1 (UTC)</source>
        <translation>%1 (UTC)</translation>
    </message>
    <message>
        <source>Denied: no policy permits it</source>
        <translation>Verwehrt: keine Richtlinie erlaubt es</translation>
    </message>
    <message>
        <source>Decided by %1</source>
        <translation>Entschieden durch %1</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Persona</source>
        <translation>Persona</translation>
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
        <source>Decision</source>
        <translation>Entscheidung</translation>
    </message>
</context>
<context>
    <name>paddock::AuditReader</name>
    <message>
        <source>cannot read the audit log</source>
        <translation>das Audit-Protokoll kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>no event %1 in the audit log</source>
        <translation>kein Ereignis %1 im Audit-Protokoll</translation>
    </message>
    <message>
        <source>cannot write the export: %1</source>
        <translation>der Export kann nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>export cancelled</source>
        <translation>Export abgebrochen</translation>
    </message>
</context>
<context>
    <name>paddock::AuditStore</name>
    <message>
        <source>not a Paddock audit log</source>
        <translation>kein Paddock-Audit-Protokoll</translation>
    </message>
    <message>
        <source>Point Paddock at its own audit.db, or move this file away.</source>
        <translation>Verweisen Sie Paddock auf seine eigene audit.db, oder verschieben Sie diese Datei.</translation>
    </message>
    <message>
        <source>written by a newer Paddock (audit format %1; this Paddock reads up to %2)</source>
        <translation>von einem neueren Paddock geschrieben (Audit-Format %1; dieses Paddock liest bis %2)</translation>
    </message>
    <message>
        <source>Use the newer Paddock, or move the file away to start a new log.</source>
        <translation>Verwenden Sie das neuere Paddock, oder verschieben Sie die Datei, um ein neues Protokoll zu beginnen.</translation>
    </message>
    <message>
        <source>cannot switch the audit log to write-ahead logging</source>
        <translation>das Audit-Protokoll kann nicht auf Write-Ahead-Logging umgestellt werden</translation>
    </message>
    <message>
        <source>the head file is not readable</source>
        <translation>die Kopfdatei ist nicht lesbar</translation>
    </message>
    <message>
        <source>It should hold the newest event&apos;s sequence number and hash; it may have been edited.</source>
        <translation>Sie sollte die laufende Nummer und den Hash des neuesten Ereignisses enthalten; vielleicht wurde sie bearbeitet.</translation>
    </message>
    <message>
        <source>cannot create the folder for the audit log</source>
        <translation>der Ordner für das Audit-Protokoll kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Check that its parent folder is writable.</source>
        <translation>Prüfen Sie, ob der übergeordnete Ordner beschreibbar ist.</translation>
    </message>
    <message>
        <source>the audit log does not match its head file (the head names event %1, the log ends at %2)</source>
        <translation>das Audit-Protokoll passt nicht zu seiner Kopfdatei (die Kopfdatei nennt Ereignis %1, das Protokoll endet bei %2)</translation>
    </message>
    <message>
        <source>Events may have been removed. Run &quot;paddockctl audit verify&quot; to see what changed; Paddock goes on recording after the last event it finds.</source>
        <translation>Möglicherweise wurden Ereignisse entfernt. Führen Sie „paddockctl audit verify“ aus, um zu sehen, was sich geändert hat; Paddock zeichnet nach dem letzten gefundenen Ereignis weiter auf.</translation>
    </message>
    <message>
        <source>the audit log&apos;s head file is missing or unreadable</source>
        <translation>die Kopfdatei des Audit-Protokolls fehlt oder ist nicht lesbar</translation>
    </message>
    <message>
        <source>Run &quot;paddockctl audit verify&quot; to check the log.</source>
        <translation>Führen Sie „paddockctl audit verify“ aus, um das Protokoll zu prüfen.</translation>
    </message>
    <message>
        <source>the audit log closed before the event could be written</source>
        <translation>das Audit-Protokoll wurde geschlossen, bevor das Ereignis geschrieben werden konnte</translation>
    </message>
    <message>
        <source>the audit log cannot keep up: event dropped</source>
        <translation>das Audit-Protokoll kommt nicht hinterher: Ereignis verworfen</translation>
    </message>
    <message>
        <source>the audit log did not confirm the event in time</source>
        <translation>das Audit-Protokoll hat das Ereignis nicht rechtzeitig bestätigt</translation>
    </message>
    <message>
        <source>cannot write to the audit log</source>
        <translation>in das Audit-Protokoll kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>cannot read the audit log</source>
        <translation>das Audit-Protokoll kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>audit events cannot be written: %1. Enforcement points that fail closed deny new actions until it works again (%2 event(s) waiting)</source>
        <translation>Audit-Ereignisse können nicht geschrieben werden: %1. Durchsetzungspunkte, die bei Fehlern sperren (fail closed), verwehren neue Aktionen, bis es wieder funktioniert (%2 Ereignis(se) in der Warteschlange)</translation>
    </message>
    <message numerus="yes">
        <source>older than %n day(s)</source>
        <translation>
            <numerusform>älter als %n Tag</numerusform>
            <numerusform>älter als %n Tage</numerusform>
        </translation>
    </message>
    <message>
        <source>the log is larger than %1 MB</source>
        <translation>das Protokoll ist größer als %1 MB</translation>
    </message>
    <message>
        <source>the audit log is not writable</source>
        <translation>das Audit-Protokoll ist nicht beschreibbar</translation>
    </message>
    <message>
        <source>cannot prune the audit log</source>
        <translation>das Audit-Protokoll kann nicht gekürzt werden</translation>
    </message>
    <message>
        <source>cannot open the audit log</source>
        <translation>das Audit-Protokoll kann nicht geöffnet werden</translation>
    </message>
    <message>
        <source>cannot prepare a query</source>
        <translation>eine Abfrage kann nicht vorbereitet werden</translation>
    </message>
    <message>
        <source>The disk holding the audit log is full. Free some space; Paddock retries on its own and writes the events it kept meanwhile.</source>
        <translation>Der Datenträger mit dem Audit-Protokoll ist voll. Geben Sie Speicherplatz frei; Paddock versucht es selbst erneut und schreibt die inzwischen zurückgehaltenen Ereignisse.</translation>
    </message>
    <message>
        <source>Check that the folder exists, is writable and that its disk works. Paddock retries on its own.</source>
        <translation>Prüfen Sie, ob der Ordner existiert und beschreibbar ist und ob sein Datenträger funktioniert. Paddock versucht es selbst erneut.</translation>
    </message>
    <message>
        <source>The file is damaged or not an audit log. Move it away to start a new log, and keep it for inspection.</source>
        <translation>Die Datei ist beschädigt oder kein Audit-Protokoll. Verschieben Sie sie, um ein neues Protokoll zu beginnen, und bewahren Sie sie zur Untersuchung auf.</translation>
    </message>
    <message>
        <source>Another program holds the audit log locked. Paddock retries on its own.</source>
        <translation>Ein anderes Programm hält das Audit-Protokoll gesperrt. Paddock versucht es selbst erneut.</translation>
    </message>
    <message>
        <source>the audit log is closed</source>
        <translation>das Audit-Protokoll ist geschlossen</translation>
    </message>
    <message>
        <source>there is no audit log yet</source>
        <translation>es gibt noch kein Audit-Protokoll</translation>
    </message>
    <message>
        <source>Paddock creates it when it first starts.</source>
        <translation>Paddock legt es beim ersten Start an.</translation>
    </message>
    <message>
        <source>cannot create the audit log&apos;s head file</source>
        <translation>die Kopfdatei des Audit-Protokolls kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Check that the folder is writable and the disk is not full.</source>
        <translation>Prüfen Sie, ob der Ordner beschreibbar und der Datenträger nicht voll ist.</translation>
    </message>
</context>
<context>
    <name>paddock::AuditVerifier</name>
    <message>
        <source>modified</source>
        <translation>verändert</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>fehlend</translation>
    </message>
    <message>
        <source>reordered</source>
        <translation>umgeordnet</translation>
    </message>
    <message>
        <source>truncated</source>
        <translation>abgeschnitten</translation>
    </message>
    <message>
        <source>broken link</source>
        <translation>unterbrochene Verkettung</translation>
    </message>
    <message>
        <source>head mismatch</source>
        <translation>Kopfdatei weicht ab</translation>
    </message>
    <message>
        <source>head missing</source>
        <translation>Kopfdatei fehlt</translation>
    </message>
    <message>
        <source>pruning record mismatch</source>
        <translation>Kürzungsvermerk weicht ab</translation>
    </message>
    <message numerus="yes">
        <source>the audit log is intact: %n event(s) checked</source>
        <translation>
            <numerusform>das Audit-Protokoll ist intakt: %n Ereignis geprüft</numerusform>
            <numerusform>das Audit-Protokoll ist intakt: %n Ereignisse geprüft</numerusform>
        </translation>
    </message>
    <message>
        <source> (events %1 to %2)</source>
        <translation> (Ereignisse %1 bis %2)</translation>
    </message>
    <message>
        <source>the audit log was tampered with: first bad event %1 (%2): %3</source>
        <translation>das Audit-Protokoll wurde manipuliert: erstes fehlerhaftes Ereignis %1 (%2): %3</translation>
    </message>
    <message>
        <source>events %1 to %2 are missing: the log was pruned only through %3</source>
        <translation>die Ereignisse %1 bis %2 fehlen: das Protokoll wurde nur bis einschließlich %3 gekürzt</translation>
    </message>
    <message>
        <source>events %1 to %2 are missing and no pruning was recorded</source>
        <translation>die Ereignisse %1 bis %2 fehlen, und es wurde keine Kürzung vermerkt</translation>
    </message>
    <message>
        <source>event %1 is missing</source>
        <translation>Ereignis %1 fehlt</translation>
    </message>
    <message>
        <source>events %1 to %2 are missing</source>
        <translation>die Ereignisse %1 bis %2 fehlen</translation>
    </message>
    <message>
        <source>the event stored as %1 was written as event %2</source>
        <translation>das als %1 gespeicherte Ereignis wurde als Ereignis %2 geschrieben</translation>
    </message>
    <message>
        <source>the contents of event %1 do not match its hash</source>
        <translation>der Inhalt von Ereignis %1 passt nicht zu seinem Hash</translation>
    </message>
    <message>
        <source>event %1 does not chain onto the pruning record (pruned through %2)</source>
        <translation>Ereignis %1 ist nicht mit dem Kürzungsvermerk verkettet (gekürzt bis einschließlich %2)</translation>
    </message>
    <message>
        <source>the first event does not start the chain</source>
        <translation>das erste Ereignis beginnt die Kette nicht</translation>
    </message>
    <message>
        <source>event %1 was rewritten with a new hash: event %2 no longer chains onto it</source>
        <translation>Ereignis %1 wurde mit einem neuen Hash neu geschrieben: Ereignis %2 ist nicht mehr damit verkettet</translation>
    </message>
    <message>
        <source>verification cancelled</source>
        <translation>Prüfung abgebrochen</translation>
    </message>
    <message>
        <source>cannot read the audit log</source>
        <translation>das Audit-Protokoll kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>the log says it was pruned through event %1, but no pruning is recorded in the chain</source>
        <translation>laut Protokoll wurde es bis einschließlich Ereignis %1 gekürzt, aber in der Kette ist keine Kürzung vermerkt</translation>
    </message>
    <message>
        <source>the pruning record (through event %1) differs from the last pruning in the chain (through event %2)</source>
        <translation>der Kürzungsvermerk (bis Ereignis %1) weicht von der letzten Kürzung in der Kette ab (bis Ereignis %2)</translation>
    </message>
    <message>
        <source>the log ends at event %1, but event %2 was written (head file): events %3 to %2 are gone</source>
        <translation>das Protokoll endet bei Ereignis %1, aber Ereignis %2 wurde geschrieben (Kopfdatei): die Ereignisse %3 bis %2 sind verschwunden</translation>
    </message>
    <message>
        <source>the head file&apos;s hash for event %1 differs from the log&apos;s</source>
        <translation>der Hash der Kopfdatei für Ereignis %1 weicht von dem des Protokolls ab</translation>
    </message>
    <message>
        <source>the head file %1 is missing, so removal of the newest events cannot be ruled out</source>
        <translation>die Kopfdatei %1 fehlt, daher lässt sich nicht ausschließen, dass die neuesten Ereignisse entfernt wurden</translation>
    </message>
</context>
<context>
    <name>paddock::CronExpression</name>
    <message>
        <source>minute</source>
        <translation>Minute</translation>
    </message>
    <message>
        <source>hour</source>
        <translation>Stunde</translation>
    </message>
    <message>
        <source>day of month</source>
        <translation>Tag des Monats</translation>
    </message>
    <message>
        <source>month</source>
        <translation>Monat</translation>
    </message>
    <message>
        <source>day of week</source>
        <translation>Wochentag</translation>
    </message>
    <message>
        <source>the %1 field has an empty value</source>
        <translation>das Feld „%1“ hat einen leeren Wert</translation>
    </message>
    <message>
        <source>a number 1-12 or a name (JAN-DEC)</source>
        <translation>eine Zahl 1-12 oder ein Name (JAN-DEC)</translation>
    </message>
    <message>
        <source>a number 0-7 or a name (SUN-SAT)</source>
        <translation>eine Zahl 0-7 oder ein Name (SUN-SAT)</translation>
    </message>
    <message>
        <source>a number %1-%2</source>
        <translation>eine Zahl %1-%2</translation>
    </message>
    <message>
        <source>&quot;%1&quot; in the %2 field is not %3</source>
        <translation>„%1“ im Feld „%2“ ist ungültig: erwartet wird %3</translation>
    </message>
    <message>
        <source>%1 is out of range for the %2 field (%3-%4)</source>
        <translation>%1 liegt außerhalb des Bereichs für das Feld „%2“ (%3-%4)</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not cron syntax that Debian&apos;s cron or Paddock accepts</source>
        <translation>„%1“ ist keine Cron-Syntax, die Debians cron oder Paddock akzeptiert</translation>
    </message>
    <message>
        <source>the step after &quot;/&quot; in the %1 field must be a number</source>
        <translation>die Schrittweite nach „/“ im Feld „%1“ muss eine Zahl sein</translation>
    </message>
    <message>
        <source>a step of 0 never advances</source>
        <translation>eine Schrittweite von 0 kommt nie voran</translation>
    </message>
    <message>
        <source>the range %1 in the %2 field ends before it starts</source>
        <translation>der Bereich %1 im Feld „%2“ endet, bevor er beginnt</translation>
    </message>
    <message>
        <source>column %1: %2</source>
        <translation>Spalte %1: %2</translation>
    </message>
    <message>
        <source>the schedule is empty: write 5 fields (minute hour day-of-month month day-of-week), a macro such as @daily, or &quot;on start&quot;</source>
        <translation>der Zeitplan ist leer: Schreiben Sie 5 Felder (Minute Stunde Tag-des-Monats Monat Wochentag), ein Makro wie @daily oder „on start“</translation>
    </message>
    <message>
        <source>a macro such as %1 stands alone</source>
        <translation>ein Makro wie %1 steht allein</translation>
    </message>
    <message>
        <source>@reboot is not supported: write &quot;on start&quot; for a job that runs when Paddock&apos;s scheduler starts</source>
        <translation>@reboot wird nicht unterstützt: Schreiben Sie „on start“ für einen Job, der beim Start des Zeitplaners von Paddock läuft</translation>
    </message>
    <message>
        <source>unknown macro %1: use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly</source>
        <translation>unbekanntes Makro %1: Verwenden Sie @yearly, @annually, @monthly, @weekly, @daily, @midnight oder @hourly</translation>
    </message>
    <message>
        <source>%1 fields: expressions with seconds or years are not supported; write 5 fields: minute hour day-of-month month day-of-week</source>
        <translation>%1 Felder: Ausdrücke mit Sekunden oder Jahren werden nicht unterstützt; schreiben Sie 5 Felder: Minute Stunde Tag-des-Monats Monat Wochentag</translation>
    </message>
    <message>
        <source>too many fields (%1): write 5: minute hour day-of-month month day-of-week</source>
        <translation>zu viele Felder (%1): Schreiben Sie 5: Minute Stunde Tag-des-Monats Monat Wochentag</translation>
    </message>
    <message>
        <source>the %1 field is missing: write 5 fields: minute hour day-of-month month day-of-week</source>
        <translation>das Feld „%1“ fehlt: Schreiben Sie 5 Felder: Minute Stunde Tag-des-Monats Monat Wochentag</translation>
    </message>
    <message>
        <source>when the scheduler starts</source>
        <translation>beim Start des Zeitplaners</translation>
    </message>
    <message>
        <source>every minute</source>
        <translation>jede Minute</translation>
    </message>
    <message>
        <source>at %1</source>
        <translation>um %1</translation>
    </message>
    <message>
        <source>every %1 minutes</source>
        <translation>alle %1 Minuten</translation>
    </message>
    <message>
        <source>at minute %1 of the hour</source>
        <translation>zur Minute %1 der Stunde</translation>
    </message>
    <message>
        <source>%1 during hour %2</source>
        <translation>%1 in Stunde %2</translation>
    </message>
    <message>
        <source>on day %1 of the month and on every %2</source>
        <translation>am Monatstag %1 und jeden %2</translation>
    </message>
    <message>
        <source>every day</source>
        <translation>jeden Tag</translation>
    </message>
    <message>
        <source>on %1</source>
        <translation>jeden %1</translation>
    </message>
    <message>
        <source>on day %1 of the month</source>
        <translation>am Monatstag %1</translation>
    </message>
    <message>
        <source>on day %1 of the month when it is a %2</source>
        <translation>am Monatstag %1, wenn er auf einen %2 fällt</translation>
    </message>
    <message>
        <source>, in %1</source>
        <translation>, im %1</translation>
    </message>
    <message>
        <source>%1, %2%3</source>
        <translation>%1, %2%3</translation>
    </message>
</context>
<context>
    <name>paddock::CronSchedule</name>
    <message>
        <source>unknown time zone &quot;%1&quot;: use an IANA name such as Europe/Berlin or America/New_York (timedatectl list-timezones lists them)</source>
        <translation>unbekannte Zeitzone „%1“: Verwenden Sie einen IANA-Namen wie Europe/Berlin oder America/New_York (timedatectl list-timezones listet sie auf)</translation>
    </message>
</context>
<context>
    <name>paddock::DashboardPage</name>
    <message>
        <source>Paddock itself</source>
        <translation>Paddock selbst</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>Erlaubt</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Verwehrt</translation>
    </message>
    <message>
        <source>Would be denied</source>
        <translation>Würde verwehrt werden</translation>
    </message>
    <message>
        <source>Information</source>
        <translation>Information</translation>
    </message>
    <message>
        <source>Denied or would be denied</source>
        <translation>Verwehrt oder würde verwehrt werden</translation>
    </message>
    <message>
        <source>Decisions per minute, last hour</source>
        <translation>Entscheidungen pro Minute, letzte Stunde</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>Ereignisse</translation>
    </message>
    <message>
        <source>Denies per persona, last 24 hours</source>
        <translation>Verwehrte Aktionen pro Persona, letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>Ressource</translation>
    </message>
    <message>
        <source>Top denied resources, last 24 hours</source>
        <translation>Am häufigsten verwehrte Ressourcen, letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>The figures appear once the engine has started.</source>
        <translation>Die Zahlen erscheinen, sobald der Dienst gestartet ist.</translation>
    </message>
    <message>
        <source>Could not read the audit log: %1</source>
        <translation>Das Audit-Protokoll konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Audit log: FAILING — enforcement points that fail closed deny new actions</source>
        <translation>Audit-Protokoll: GESTÖRT — Durchsetzungspunkte, die bei Fehlern sperren, verwehren neue Aktionen</translation>
    </message>
    <message>
        <source>Audit log: writing</source>
        <translation>Audit-Protokoll: schreibt</translation>
    </message>
    <message>
        <source>Events in the last 24 hours: —</source>
        <translation>Ereignisse in den letzten 24 Stunden: —</translation>
    </message>
    <message>
        <source>Denied in the last 24 hours: —</source>
        <translation>Verwehrt in den letzten 24 Stunden: —</translation>
    </message>
    <message>
        <source>Events in the last 24 hours: %L1</source>
        <translation>Ereignisse in den letzten 24 Stunden: %L1</translation>
    </message>
    <message>
        <source>Denied in the last 24 hours: %L1</source>
        <translation>Verwehrt in den letzten 24 Stunden: %L1</translation>
    </message>
    <message>
        <source>(no resource)</source>
        <translation>(keine Ressource)</translation>
    </message>
    <message numerus="yes">
        <source>Proxy requests and denies per second, last %n minute(s)</source>
        <translation>
            <numerusform>Proxy-Anfragen und Verwehrungen pro Sekunde, letzte %n Minute</numerusform>
            <numerusform>Proxy-Anfragen und Verwehrungen pro Sekunde, letzte %n Minuten</numerusform>
        </translation>
    </message>
    <message>
        <source>Per second</source>
        <translation>Pro Sekunde</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Top destinations through the proxy, last 24 hours</source>
        <translation>Häufigste Ziele über den Proxy, letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Tunnels the proxy has open now, per persona</source>
        <translation>Tunnel, die der Proxy gerade offen hält, pro Persona</translation>
    </message>
    <message>
        <source>%1 requests/s</source>
        <translation>%1 Anfragen/s</translation>
    </message>
    <message>
        <source>%1 denies/s</source>
        <translation>%1 Verwehrungen/s</translation>
    </message>
    <message>
        <source>%1 %L2</source>
        <translation>%1 %L2</translation>
    </message>
    <message>
        <source>Active tunnels: %L1</source>
        <translation>Offene Tunnel: %L1</translation>
    </message>
    <message>
        <source>Active tunnels: %L1 (%2)</source>
        <translation>Offene Tunnel: %L1 (%2)</translation>
    </message>
</context>
<context>
    <name>paddock::DenyNotifier</name>
    <message>
        <source>Paddock</source>
        <translation>Paddock</translation>
    </message>
    <message>
        <source>%1: %L2</source>
        <translation>%1: %L2</translation>
    </message>
    <message numerus="yes">
        <source>%n actions denied in the last %1 s — %2</source>
        <comment>always at least the burst threshold, 5</comment>
        <translation>
            <numerusform>%n Aktion in den letzten %1 s verwehrt — %2</numerusform>
            <numerusform>%n Aktionen in den letzten %1 s verwehrt — %2</numerusform>
        </translation>
    </message>
    <message>
        <source>Most denied: %1 (%L2)</source>
        <translation>Am häufigsten verwehrt: %1 (%L2)</translation>
    </message>
    <message>
        <source>(no resource)</source>
        <translation>(keine Ressource)</translation>
    </message>
    <message>
        <source>Actions denied</source>
        <translation>Aktionen verwehrt</translation>
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
    <message>
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>Audit</translation>
    </message>
    <message>
        <source>Personas</source>
        <translation>Personas</translation>
    </message>
    <message>
        <source>Secrets</source>
        <translation>Geheimnisse</translation>
    </message>
    <message>
        <source>MCP servers</source>
        <translation>MCP-Server</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Jobs</translation>
    </message>
</context>
<context>
    <name>paddock::EgressProxy</name>
    <message>
        <source>the proxy cannot start: %1</source>
        <translation>der Proxy kann nicht starten: %1</translation>
    </message>
    <message>
        <source>the client went away</source>
        <translation>der Client ist weg</translation>
    </message>
    <message>
        <source>Paddock stopped</source>
        <translation>Paddock wurde beendet</translation>
    </message>
    <message>
        <source>no policy permits it</source>
        <translation>keine Richtlinie erlaubt es</translation>
    </message>
    <message>
        <source>forbidden by %1</source>
        <translation>verboten durch %1</translation>
    </message>
    <message>
        <source>one of this host&apos;s own addresses</source>
        <translation>eine der eigenen Adressen dieses Hosts</translation>
    </message>
    <message>
        <source>refused: %1 is not open to agents: %2</source>
        <translation>abgelehnt: %1 ist für Agenten nicht zugänglich: %2</translation>
    </message>
    <message>
        <source>refused: %1 resolves to %2, which is not open to agents: %3</source>
        <translation>abgelehnt: %1 löst zu %2 auf, das für Agenten nicht zugänglich ist: %3</translation>
    </message>
    <message>
        <source>persona %1 is not served by this proxy</source>
        <translation>Persona %1 wird von diesem Proxy nicht bedient</translation>
    </message>
    <message>
        <source>rate limit: %1 tunnels open, the most persona %2 may hold</source>
        <translation>Ratenbegrenzung: %1 Tunnel offen, mehr darf Persona %2 nicht halten</translation>
    </message>
    <message>
        <source>rate limit: more than %1 new connections a second</source>
        <translation>Ratenbegrenzung: mehr als %1 neue Verbindungen pro Sekunde</translation>
    </message>
    <message>
        <source>the audit log cannot be written, and persona %1 fails closed</source>
        <translation>das Audit-Protokoll kann nicht geschrieben werden, und Persona %1 sperrt in diesem Fall</translation>
    </message>
    <message>
        <source>refused: %1 is this proxy itself</source>
        <translation>abgelehnt: %1 ist dieser Proxy selbst</translation>
    </message>
    <message>
        <source>no address of %1 could be reached</source>
        <translation>keine Adresse von %1 war erreichbar</translation>
    </message>
    <message>
        <source>no socket for %1: %2</source>
        <translation>kein Socket für %1: %2</translation>
    </message>
    <message>
        <source>the upstream proxy closed the connection</source>
        <translation>der vorgeschaltete Proxy hat die Verbindung geschlossen</translation>
    </message>
    <message>
        <source>the upstream proxy&apos;s answer is too long</source>
        <translation>die Antwort des vorgeschalteten Proxys ist zu lang</translation>
    </message>
    <message>
        <source>the upstream proxy refused: %1</source>
        <translation>der vorgeschaltete Proxy hat abgelehnt: %1</translation>
    </message>
    <message>
        <source>the destination went away: %1</source>
        <translation>das Ziel ist weg: %1</translation>
    </message>
    <message>
        <source>the client reset the connection</source>
        <translation>der Client hat die Verbindung zurückgesetzt</translation>
    </message>
    <message>
        <source>the destination reset the connection</source>
        <translation>das Ziel hat die Verbindung zurückgesetzt</translation>
    </message>
    <message>
        <source>invalid request body: %1</source>
        <translation>ungültiger Anfrageinhalt: %1</translation>
    </message>
    <message>
        <source>the response head is over 64 KiB</source>
        <translation>der Antwortkopf ist größer als 64 KiB</translation>
    </message>
    <message>
        <source>the request did not arrive within %1 s</source>
        <translation>die Anfrage ist nicht innerhalb von %1 s eingetroffen</translation>
    </message>
    <message>
        <source>%1 could not be resolved in time</source>
        <translation>%1 konnte nicht rechtzeitig aufgelöst werden</translation>
    </message>
    <message>
        <source>no answer within %1 s</source>
        <translation>keine Antwort innerhalb von %1 s</translation>
    </message>
    <message>
        <source>%1 could not be reached</source>
        <translation>%1 war nicht erreichbar</translation>
    </message>
    <message>
        <source>open longer than %1 s</source>
        <translation>länger als %1 s offen</translation>
    </message>
    <message>
        <source>idle for %1 s</source>
        <translation>%1 s untätig</translation>
    </message>
    <message>
        <source>the upstream proxy &quot;%1&quot; is not an address:port</source>
        <translation>der vorgeschaltete Proxy „%1“ ist keine Adresse:Port</translation>
    </message>
    <message>
        <source>Give the upstream proxy as an IP address and port, e.g. 10.0.0.1:3128.</source>
        <translation>Geben Sie den vorgeschalteten Proxy als IP-Adresse und Port an, z. B. 10.0.0.1:3128.</translation>
    </message>
    <message>
        <source>persona %1 is no longer served</source>
        <translation>Persona %1 wird nicht mehr bedient</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an IP address to listen on</source>
        <translation>„%1“ ist keine IP-Adresse, auf der gelauscht werden kann</translation>
    </message>
    <message>
        <source>Give an IPv4 or IPv6 address, e.g. 127.0.0.1.</source>
        <translation>Geben Sie eine IPv4- oder IPv6-Adresse an, z. B. 127.0.0.1.</translation>
    </message>
    <message>
        <source>the proxy for %1 cannot listen on %2: %3 (%4)</source>
        <translation>der Proxy für %1 kann nicht auf %2 lauschen: %3 (%4)</translation>
    </message>
    <message>
        <source>Check that the address belongs to this host and that nothing else listens on that port.</source>
        <translation>Prüfen Sie, ob die Adresse zu diesem Host gehört und ob nichts anderes auf diesem Port lauscht.</translation>
    </message>
    <message>
        <source>no socket</source>
        <translation>kein Socket</translation>
    </message>
    <message>
        <source>bind failed</source>
        <translation>bind fehlgeschlagen</translation>
    </message>
    <message>
        <source>listen failed</source>
        <translation>listen fehlgeschlagen</translation>
    </message>
    <message>
        <source>Check that the folder exists and belongs to you.</source>
        <translation>Prüfen Sie, ob der Ordner existiert und Ihnen gehört.</translation>
    </message>
    <message>
        <source>the proxy for %1 cannot listen: %2</source>
        <translation>der Proxy für %1 kann nicht lauschen: %2</translation>
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
    <name>paddock::EngineClient</name>
    <message>
        <source>%1 is &quot;%2&quot;, but Paddock talks to a local engine over a Unix socket</source>
        <translation>%1 ist „%2“, aber Paddock spricht mit einem lokalen Container-Dienst über einen Unix-Socket</translation>
    </message>
    <message>
        <source>Set it to unix:///path/to/podman.sock, or unset it.</source>
        <translation>Setzen Sie sie auf unix:///pfad/zu/podman.sock, oder entfernen Sie sie.</translation>
    </message>
    <message>
        <source>%1 names %2, which is not a socket</source>
        <translation>%1 nennt %2, das ist kein Socket</translation>
    </message>
    <message>
        <source>Start the engine (systemctl --user start podman.socket), or correct %1.</source>
        <translation>Starten Sie den Container-Dienst (systemctl --user start podman.socket), oder korrigieren Sie %1.</translation>
    </message>
    <message>
        <source>no container engine is running</source>
        <translation>es läuft kein Container-Dienst</translation>
    </message>
    <message>
        <source>Start podman&apos;s API service with &quot;systemctl --user start podman.socket&quot; (or Docker), or point $CONTAINER_HOST at its socket.</source>
        <translation>Starten Sie den API-Dienst von podman mit „systemctl --user start podman.socket“ (oder Docker), oder lassen Sie $CONTAINER_HOST auf seinen Socket zeigen.</translation>
    </message>
    <message>
        <source>the container engine does not answer (%1)</source>
        <translation>der Container-Dienst antwortet nicht (%1)</translation>
    </message>
    <message>
        <source>Start it with &quot;systemctl --user start podman.socket&quot; (or start Docker); Paddock keeps trying in the background.</source>
        <translation>Starten Sie ihn mit „systemctl --user start podman.socket“ (oder starten Sie Docker); Paddock versucht es im Hintergrund weiter.</translation>
    </message>
    <message>
        <source>cannot set up an HTTP client (libcurl)</source>
        <translation>ein HTTP-Client (libcurl) kann nicht eingerichtet werden</translation>
    </message>
    <message>
        <source>%1: the container engine refused (%2)</source>
        <translation>%1: der Container-Dienst hat abgelehnt (%2)</translation>
    </message>
    <message>
        <source>It does not exist (any more); refresh and try again.</source>
        <translation>Es existiert (nicht mehr); aktualisieren Sie und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>It is in use or already exists; stop what uses it first.</source>
        <translation>Es wird verwendet oder existiert bereits; beenden Sie zuerst, was es verwendet.</translation>
    </message>
    <message>
        <source>The engine failed; its log (journalctl --user -u podman) says why.</source>
        <translation>Der Container-Dienst ist gescheitert; sein Protokoll (journalctl --user -u podman) nennt den Grund.</translation>
    </message>
    <message>
        <source>/_ping answered %1</source>
        <translation>/_ping antwortete %1</translation>
    </message>
    <message>
        <source>asking the engine&apos;s version</source>
        <translation>Abfrage der Version des Container-Dienstes</translation>
    </message>
    <message>
        <source>the container engine did not say which API version it speaks</source>
        <translation>der Container-Dienst hat nicht gesagt, welche API-Version er spricht</translation>
    </message>
    <message>
        <source>Is this a Docker-compatible engine?</source>
        <translation>Ist das ein Docker-kompatibler Container-Dienst?</translation>
    </message>
    <message>
        <source>the container engine needs API %1 or newer; Paddock speaks up to %2</source>
        <translation>der Container-Dienst braucht API %1 oder neuer; Paddock spricht bis %2</translation>
    </message>
    <message>
        <source>Use an older engine, or a newer Paddock.</source>
        <translation>Verwenden Sie einen älteren Container-Dienst oder ein neueres Paddock.</translation>
    </message>
    <message>
        <source>creating network %1</source>
        <translation>Anlegen des Netzwerks %1</translation>
    </message>
    <message>
        <source>removing network %1</source>
        <translation>Entfernen des Netzwerks %1</translation>
    </message>
    <message>
        <source>listing networks</source>
        <translation>Auflisten der Netzwerke</translation>
    </message>
    <message>
        <source>creating volume %1</source>
        <translation>Anlegen des Volumes %1</translation>
    </message>
    <message>
        <source>removing volume %1</source>
        <translation>Entfernen des Volumes %1</translation>
    </message>
    <message>
        <source>listing volumes</source>
        <translation>Auflisten der Volumes</translation>
    </message>
    <message>
        <source>listing containers</source>
        <translation>Auflisten der Container</translation>
    </message>
    <message>
        <source>importing image %1:%2: %3</source>
        <translation>Importieren des Abbilds %1:%2: %3</translation>
    </message>
    <message>
        <source>Check that the archive is a root file system (a tar).</source>
        <translation>Prüfen Sie, ob das Archiv ein Wurzeldateisystem ist (ein tar).</translation>
    </message>
    <message>
        <source>inspecting image %1</source>
        <translation>Untersuchen des Abbilds %1</translation>
    </message>
    <message>
        <source>removing image %1</source>
        <translation>Entfernen des Abbilds %1</translation>
    </message>
    <message>
        <source>creating container %1</source>
        <translation>Anlegen des Containers %1</translation>
    </message>
    <message>
        <source>starting container %1</source>
        <translation>Starten des Containers %1</translation>
    </message>
    <message>
        <source>stopping container %1</source>
        <translation>Anhalten des Containers %1</translation>
    </message>
    <message>
        <source>killing container %1</source>
        <translation>Beenden des Containers %1</translation>
    </message>
    <message>
        <source>removing container %1</source>
        <translation>Entfernen des Containers %1</translation>
    </message>
    <message>
        <source>inspecting container %1</source>
        <translation>Untersuchen des Containers %1</translation>
    </message>
    <message>
        <source>reading the log of container %1</source>
        <translation>Lesen des Protokolls von Container %1</translation>
    </message>
    <message>
        <source>reading the statistics of container %1</source>
        <translation>Lesen der Statistik von Container %1</translation>
    </message>
    <message>
        <source>waiting for container %1</source>
        <translation>Warten auf den Container %1</translation>
    </message>
    <message>
        <source>cannot read the image archive (%1)</source>
        <translation>das Abbild-Archiv kann nicht gelesen werden (%1)</translation>
    </message>
    <message>
        <source>Check that the file exists and is readable.</source>
        <translation>Prüfen Sie, ob die Datei existiert und lesbar ist.</translation>
    </message>
    <message>
        <source>the engine answered %1</source>
        <translation>der Container-Dienst antwortete %1</translation>
    </message>
    <message>
        <source>Check that the archive is a root file system (a tar) and that the image settings are valid.</source>
        <translation>Prüfen Sie, ob das Archiv ein Wurzeldateisystem ist (ein tar) und ob die Einstellungen des Abbilds gültig sind.</translation>
    </message>
    <message>
        <source>running %1 in container %2</source>
        <translation>Ausführen von %1 im Container %2</translation>
    </message>
    <message>
        <source>%1: the engine gave no exec session</source>
        <translation>%1: der Container-Dienst hat keine Exec-Sitzung geliefert</translation>
    </message>
    <message>
        <source>%1: the engine does not say how it ended</source>
        <translation>%1: der Container-Dienst sagt nicht, wie es endete</translation>
    </message>
    <message>
        <source>Check the container&apos;s state with podman ps, then try again.</source>
        <translation>Prüfen Sie den Zustand des Containers mit podman ps und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>copying files into %1 of container %2: the container engine refused (%3)</source>
        <translation>Kopieren von Dateien nach %1 im Container %2: der Container-Dienst hat abgelehnt (%3)</translation>
    </message>
    <message>
        <source>Check that the container exists and that %1 is a folder in it.</source>
        <translation>Prüfen Sie, ob der Container existiert und ob %1 darin ein Ordner ist.</translation>
    </message>
    <message>
        <source>copying %1 out of container %2</source>
        <translation>Kopieren von %1 aus dem Container %2</translation>
    </message>
    <message>
        <source>Is the image %1 there (podman images)? Build or pull it first.</source>
        <translation>Ist das Abbild %1 vorhanden (podman images)? Erstellen oder laden Sie es zuerst.</translation>
    </message>
    <message>
        <source>%1: tar in the helper container failed (%2)</source>
        <translation>%1: tar im Hilfscontainer ist fehlgeschlagen (%2)</translation>
    </message>
    <message>
        <source>The helper image needs sh and GNU tar (the agent image has both).</source>
        <translation>Das Hilfsabbild braucht sh und GNU tar (das Agent-Abbild hat beides).</translation>
    </message>
    <message>
        <source>backing up volume %1</source>
        <translation>Sichern des Volumes %1</translation>
    </message>
    <message>
        <source>%1: compressing the archive failed</source>
        <translation>%1: das Komprimieren des Archivs ist fehlgeschlagen</translation>
    </message>
    <message>
        <source>Check free memory and try again.</source>
        <translation>Prüfen Sie den freien Arbeitsspeicher und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>restoring volume %1</source>
        <translation>Wiederherstellen des Volumes %1</translation>
    </message>
    <message>
        <source>%1: not a volume backup (a .tar.gz archive)</source>
        <translation>%1: keine Volume-Sicherung (ein .tar.gz-Archiv)</translation>
    </message>
    <message>
        <source>Choose a file made by Paddock&apos;s volume backup.</source>
        <translation>Wählen Sie eine Datei, die mit der Volume-Sicherung von Paddock erstellt wurde.</translation>
    </message>
    <message>
        <source>A container uses it: stop (or remove) the persona&apos;s container, then restore again.</source>
        <translation>Ein Container verwendet es: Halten Sie den Container der Persona an (oder entfernen Sie ihn) und starten Sie die Wiederherstellung dann erneut.</translation>
    </message>
    <message>
        <source>connecting container %1 to network %2</source>
        <translation>Verbinden des Containers %1 mit dem Netzwerk %2</translation>
    </message>
    <message>
        <source>disconnecting container %1 from network %2</source>
        <translation>Trennen des Containers %1 vom Netzwerk %2</translation>
    </message>
    <message>
        <source>listing images</source>
        <translation>Auflisten der Abbilder</translation>
    </message>
</context>
<context>
    <name>paddock::EngineEvents</name>
    <message>
        <source>the events stream ended (HTTP %1)</source>
        <translation>der Ereignisstrom endete (HTTP %1)</translation>
    </message>
</context>
<context>
    <name>paddock::EngineStream</name>
    <message>
        <source>the engine refused to stream %1 (HTTP %2): %3</source>
        <translation>der Container-Dienst hat das Streamen von %1 abgelehnt (HTTP %2): %3</translation>
    </message>
</context>
<context>
    <name>paddock::GitTransport</name>
    <message>
        <source>this is not a mirror (no objects folder)</source>
        <translation>dies ist kein Spiegel (kein objects-Ordner)</translation>
    </message>
    <message>
        <source>Make the workspace again; its mirror is missing.</source>
        <translation>Legen Sie den Arbeitsbereich erneut an; sein Spiegel fehlt.</translation>
    </message>
    <message>
        <source>cannot write the push hook: %1</source>
        <translation>der Push-Hook kann nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>Check the permissions of Paddock&apos;s data folder.</source>
        <translation>Prüfen Sie die Zugriffsrechte des Datenordners von Paddock.</translation>
    </message>
    <message>
        <source>only mirrors in %1 are served</source>
        <translation>nur Spiegel in %1 werden bereitgestellt</translation>
    </message>
    <message>
        <source>This is a bug in Paddock: please report it.</source>
        <translation>Dies ist ein Fehler in Paddock: Bitte melden Sie ihn.</translation>
    </message>
    <message>
        <source>cannot start git daemon: %1</source>
        <translation>git daemon kann nicht gestartet werden: %1</translation>
    </message>
    <message>
        <source>Install git (git daemon is part of it).</source>
        <translation>Installieren Sie git (git daemon gehört dazu).</translation>
    </message>
    <message>
        <source>no socket to listen on</source>
        <translation>kein Socket zum Lauschen</translation>
    </message>
    <message>
        <source>Check that the persona&apos;s socket folder exists and belongs to you.</source>
        <translation>Prüfen Sie, ob der Socket-Ordner der Persona existiert und Ihnen gehört.</translation>
    </message>
    <message>
        <source>the git transport of %1 cannot listen: %2</source>
        <translation>der Git-Transport von %1 kann nicht lauschen: %2</translation>
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
    <name>paddock::ImageBuildDialog</name>
    <message>
        <source>&amp;Build</source>
        <translation>&amp;Erstellen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <source>Build agent image</source>
        <translation>Agent-Abbild erstellen</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Wird gestartet …</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen …</translation>
    </message>
    <message>
        <source>%1 is ready.</source>
        <translation>%1 ist bereit.</translation>
    </message>
    <message>
        <source>Cancelled; nothing of the build was kept.</source>
        <translation>Abgebrochen; vom Erstellen wurde nichts behalten.</translation>
    </message>
    <message>
        <source>&amp;Try again</source>
        <translation>&amp;Erneut versuchen</translation>
    </message>
    <message>
        <source>Paddock&apos;s personas run in the container image %1, which is not in your container engine yet.

Building it makes a minimal Debian 13 system with git, the OpenSSH client and server, curl, the user dev and the coding agents (Claude Code, Codex, opencode and Copilot CLI, at the versions this Paddock was tested with), and imports it into the engine. It takes a few minutes and about 1.8 GB of disk, needs network access to Debian&apos;s mirror (deb.debian.org) and the npm registry (about 500 MB the first time), and root (the recipe uses debootstrap). No image registry is used.</source>
        <translation>Paddocks Personas laufen im Container-Image %1, das noch nicht in Ihrer Container-Engine ist.

Der Bau erstellt ein minimales Debian-13-System mit git, OpenSSH-Client und -Server, curl, dem Benutzer dev und den Coding-Agenten (Claude Code, Codex, opencode und Copilot CLI, in den Versionen, mit denen dieses Paddock getestet wurde) und importiert es in die Engine. Er dauert einige Minuten, braucht etwa 1,8 GB Speicherplatz, Netzwerkzugang zu Debians Spiegel (deb.debian.org) und zur npm-Registry (beim ersten Mal etwa 500 MB) sowie root (das Rezept verwendet debootstrap). Es wird keine Image-Registry verwendet.</translation>
    </message>
</context>
<context>
    <name>paddock::ImageBuilder</name>
    <message>
        <source>the agent image is being built already</source>
        <translation>das Agent-Abbild wird bereits erstellt</translation>
    </message>
    <message>
        <source>Wait for that build to finish, or cancel it.</source>
        <translation>Warten Sie, bis diese Erstellung abgeschlossen ist, oder brechen Sie sie ab.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an image name</source>
        <translation>„%1“ ist kein Abbildname</translation>
    </message>
    <message>
        <source>Use lower-case letters, digits and . _ - / with an optional :tag, such as localhost/paddock-agent:0.1.0.</source>
        <translation>Verwenden Sie Kleinbuchstaben, Ziffern und . _ - / mit einem optionalen :tag, etwa localhost/paddock-agent:0.1.0.</translation>
    </message>
    <message>
        <source>the recipe for the agent image is missing</source>
        <translation>das Rezept für das Agent-Abbild fehlt</translation>
    </message>
    <message>
        <source>Reinstall Paddock; the recipe belongs in share/paddock/image.</source>
        <translation>Installieren Sie Paddock neu; das Rezept gehört nach share/paddock/image.</translation>
    </message>
    <message>
        <source>cannot make a temporary folder for the build (%1)</source>
        <translation>für die Erstellung kann kein temporärer Ordner angelegt werden (%1)</translation>
    </message>
    <message>
        <source>Free some space there, or set TMPDIR to another folder.</source>
        <translation>Geben Sie dort Speicherplatz frei, oder setzen Sie TMPDIR auf einen anderen Ordner.</translation>
    </message>
    <message>
        <source>cannot run the image recipe (%1)</source>
        <translation>das Rezept für das Abbild kann nicht ausgeführt werden (%1)</translation>
    </message>
    <message>
        <source>Check that the file exists and is executable.</source>
        <translation>Prüfen Sie, ob die Datei existiert und ausführbar ist.</translation>
    </message>
    <message>
        <source>starting the recipe</source>
        <translation>Rezept wird gestartet</translation>
    </message>
    <message>
        <source>cancelling</source>
        <translation>wird abgebrochen</translation>
    </message>
    <message>
        <source>the build of %1 was cancelled</source>
        <translation>die Erstellung von %1 wurde abgebrochen</translation>
    </message>
    <message>
        <source>the recipe stopped unexpectedly</source>
        <translation>das Rezept wurde unerwartet beendet</translation>
    </message>
    <message>
        <source>the recipe failed with status %1</source>
        <translation>das Rezept ist mit Status %1 fehlgeschlagen</translation>
    </message>
    <message>
        <source>building %1 failed: %2</source>
        <translation>Erstellen von %1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>the recipe succeeded but wrote no archive</source>
        <translation>das Rezept war erfolgreich, hat aber kein Archiv geschrieben</translation>
    </message>
    <message>
        <source>This is a bug in the recipe; please report it.</source>
        <translation>Dies ist ein Fehler im Rezept; bitte melden Sie ihn.</translation>
    </message>
    <message>
        <source>importing %1 into the container engine</source>
        <translation>%1 wird in den Container-Dienst importiert</translation>
    </message>
    <message>
        <source>built %1</source>
        <translation>%1 erstellt</translation>
    </message>
    <message>
        <source>cannot read the image&apos;s labels: %1</source>
        <translation>die Labels des Images können nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>line %1 is not a label the recipe writes (io.paddock.NAME=VALUE): %2</source>
        <translation>Zeile %1 ist kein Label, wie es das Rezept schreibt (io.paddock.NAME=WERT): %2</translation>
    </message>
</context>
<context>
    <name>paddock::InboundPorts</name>
    <message>
        <source>cannot publish port %1 of %2 on 127.0.0.1: %3</source>
        <translation>Port %1 von %2 kann auf 127.0.0.1 nicht veröffentlicht werden: %3</translation>
    </message>
    <message>
        <source>Another program uses that port: stop it, or give the persona another host port.</source>
        <translation>Ein anderes Programm nutzt diesen Port: Beenden Sie es, oder geben Sie der Persona einen anderen Host-Port.</translation>
    </message>
</context>
<context>
    <name>paddock::JobEditDialog</name>
    <message>
        <source>The agent, with a &amp;prompt</source>
        <translation>Der &amp;Agent, mit einem Prompt</translation>
    </message>
    <message>
        <source>A co&amp;mmand instead of an agent</source>
        <translation>Ein Be&amp;fehl statt eines Agenten</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>unbegrenzt</translation>
    </message>
    <message>
        <source>US$</source>
        <translation>US$</translation>
    </message>
    <message>
        <source>&amp;Enabled: runs on its schedule</source>
        <translation>A&amp;ktiviert: läuft nach seinem Zeitplan</translation>
    </message>
    <message>
        <source>New job</source>
        <translation>Neuer Job</translation>
    </message>
    <message>
        <source>Edit job %1</source>
        <translation>Job %1 bearbeiten</translation>
    </message>
    <message>
        <source>nightly-tests: lowercase letters, digits, hyphens</source>
        <translation>nightly-tests: Kleinbuchstaben, Ziffern, Bindestriche</translation>
    </message>
    <message>
        <source>/home/you/src/app: a git repository on this computer</source>
        <translation>/home/you/src/app: ein Git-Repository auf diesem Computer</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen …</translation>
    </message>
    <message>
        <source>What the agent is asked to do, e.g. &quot;Fix the flaky tests and push a branch&quot;</source>
        <translation>Was der Agent tun soll, z. B. „Repariere die wackeligen Tests und pushe einen Branch“</translation>
    </message>
    <message>
        <source>make -k test</source>
        <translation>make -k test</translation>
    </message>
    <message>
        <source>The persona&apos;s</source>
        <translation>Vorgabe der Persona</translation>
    </message>
    <message>
        <source>the persona&apos;s</source>
        <translation>Vorgabe der Persona</translation>
    </message>
    <message>
        <source>30 2 * * 1-5, @daily, or &quot;on start&quot;</source>
        <translation>30 2 * * 1-5, @daily oder „on start“</translation>
    </message>
    <message>
        <source>Skip the new run while one still runs</source>
        <translation>Den neuen Lauf überspringen, solange noch einer läuft</translation>
    </message>
    <message>
        <source>Run both</source>
        <translation>Beide ausführen</translation>
    </message>
    <message>
        <source>Cancel the running one, start the new one</source>
        <translation>Den laufenden abbrechen, den neuen starten</translation>
    </message>
    <message>
        <source>Skip them (recorded as missed)</source>
        <translation>Überspringen (als verpasst vermerkt)</translation>
    </message>
    <message>
        <source>Run once for all of them</source>
        <translation>Einmal für alle ausführen</translation>
    </message>
    <message>
        <source>Run each of them, up to a limit</source>
        <translation>Jeden einzeln ausführen, bis zu einer Grenze</translation>
    </message>
    <message>
        <source>What runs</source>
        <translation>Was ausgeführt wird</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Persona:</source>
        <translation>&amp;Persona:</translation>
    </message>
    <message>
        <source>&amp;Repository:</source>
        <translation>&amp;Repository:</translation>
    </message>
    <message>
        <source>&amp;Base branch:</source>
        <translation>&amp;Basis-Branch:</translation>
    </message>
    <message>
        <source>A&amp;gent:</source>
        <translation>A&amp;gent:</translation>
    </message>
    <message>
        <source>M&amp;odel:</source>
        <translation>M&amp;odell:</translation>
    </message>
    <message>
        <source>E&amp;ffort:</source>
        <translation>Auf&amp;wand:</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Wann</translation>
    </message>
    <message>
        <source>&amp;Schedule:</source>
        <translation>&amp;Zeitplan:</translation>
    </message>
    <message>
        <source>&amp;Time zone:</source>
        <translation>Zei&amp;tzone:</translation>
    </message>
    <message>
        <source>Next runs:</source>
        <translation>Nächste Läufe:</translation>
    </message>
    <message>
        <source>Limits and rules</source>
        <translation>Grenzen und Regeln</translation>
    </message>
    <message>
        <source>T&amp;imeout:</source>
        <translation>Zeitl&amp;imit:</translation>
    </message>
    <message>
        <source>Tokens, warn at:</source>
        <translation>Tokens, warnen ab:</translation>
    </message>
    <message>
        <source>Tokens, stop at:</source>
        <translation>Tokens, anhalten bei:</translation>
    </message>
    <message>
        <source>Cost, warn at:</source>
        <translation>Kosten, warnen ab:</translation>
    </message>
    <message>
        <source>Cost, stop at:</source>
        <translation>Kosten, anhalten bei:</translation>
    </message>
    <message>
        <source>When the last run still &amp;runs:</source>
        <translation>Wenn der letzte Lauf noch &amp;läuft:</translation>
    </message>
    <message>
        <source>Runs &amp;missed while off:</source>
        <translation>&amp;Verpasste Läufe (Paddock aus):</translation>
    </message>
    <message>
        <source>At most, &amp;caught up:</source>
        <translation>&amp;Höchstens nachgeholt:</translation>
    </message>
    <message>
        <source>Too &amp;late after:</source>
        <translation>Zu &amp;spät nach:</translation>
    </message>
    <message>
        <source>Re&amp;tries (engine away):</source>
        <translation>Wied&amp;erholungen (ohne Container-Dienst):</translation>
    </message>
    <message>
        <source>&amp;Disable after failures in a row:</source>
        <translation>Deaktivieren na&amp;ch Fehlschlägen in Folge:</translation>
    </message>
    <message>
        <source>A missed run later than this is not caught up, whatever the rule says.</source>
        <translation>Ein verpasster Lauf, der mehr als diese Zeit zu spät wäre, wird nicht nachgeholt, gleich was die Regel sagt.</translation>
    </message>
    <message>
        <source>Retries of a failure that is not the job&apos;s own (no container engine), within its slot.</source>
        <translation>Wiederholungen nach einem Fehlschlag, den nicht der Job selbst verursacht hat (kein Container-Dienst), innerhalb seines Zeitfensters.</translation>
    </message>
    <message>
        <source>The job&apos;s repository</source>
        <translation>Das Repository des Jobs</translation>
    </message>
    <message>
        <source>Disabled: %1</source>
        <translation>Deaktiviert: %1</translation>
    </message>
    <message>
        <source>disabled by you</source>
        <translation>von Ihnen deaktiviert</translation>
    </message>
    <message>
        <source>Give a schedule, e.g. 30 2 * * 1-5 (02:30 on weekdays).</source>
        <translation>Geben Sie einen Zeitplan an, z. B. 30 2 * * 1-5 (montags bis freitags um 02:30).</translation>
    </message>
    <message>
        <source>When Paddock starts</source>
        <translation>Beim Start von Paddock</translation>
    </message>
    <message>
        <source>Never: no such time in the next 50 years</source>
        <translation>Nie: kein solcher Zeitpunkt in den nächsten 50 Jahren</translation>
    </message>
    <message>
        <source>No more</source>
        <translation>Keine weiteren</translation>
    </message>
    <message>
        <source>another job is named &quot;%1&quot;</source>
        <translation>ein anderer Job heißt bereits „%1“</translation>
    </message>
    <message>
        <source>there is no persona &quot;%1&quot;</source>
        <translation>es gibt keine Persona „%1“</translation>
    </message>
</context>
<context>
    <name>paddock::JobLauncher</name>
    <message>
        <source>Paddock is stopping</source>
        <translation>Paddock wird beendet</translation>
    </message>
</context>
<context>
    <name>paddock::JobListModel</name>
    <message>
        <source>Job</source>
        <translation>Job</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Zeitplan</translation>
    </message>
    <message>
        <source>Next run</source>
        <translation>Nächster Lauf</translation>
    </message>
    <message>
        <source>Last run</source>
        <translation>Letzter Lauf</translation>
    </message>
    <message>
        <source>Failures in a row</source>
        <translation>Fehlschläge in Folge</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Aktiviert</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>not while disabled</source>
        <translation>nicht, solange deaktiviert</translation>
    </message>
    <message>
        <source>when Paddock starts</source>
        <translation>beim Start von Paddock</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>Persona %1 on %2 (branch %3)</source>
        <translation>Persona %1 auf %2 (Branch %3)</translation>
    </message>
    <message>
        <source>In the job&apos;s time zone, %1</source>
        <translation>In der Zeitzone des Jobs, %1</translation>
    </message>
    <message>
        <source>never ran</source>
        <translation>noch nie gelaufen</translation>
    </message>
    <message>
        <source>Run %1: %2
Ended %3</source>
        <translation>Lauf %1: %2
Beendet %3</translation>
    </message>
    <message numerus="yes">
        <source>%n failure(s) in a row; the job is disabled at %1</source>
        <translation>
            <numerusform>%n Fehlschlag in Folge; der Job wird bei %1 deaktiviert</numerusform>
            <numerusform>%n Fehlschläge in Folge; der Job wird bei %1 deaktiviert</numerusform>
        </translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>no: %1</source>
        <translation>nein: %1</translation>
    </message>
</context>
<context>
    <name>paddock::JobNotifier</name>
    <message>
        <source>Job %1 keeps failing</source>
        <translation>Job %1 schlägt wiederholt fehl</translation>
    </message>
    <message numerus="yes">
        <source>%n failure(s) in a row; the last (run %1): %2</source>
        <translation>
            <numerusform>%n Fehlschlag in Folge; der letzte (Lauf %1): %2</numerusform>
            <numerusform>%n Fehlschläge in Folge; der letzte (Lauf %1): %2</numerusform>
        </translation>
    </message>
    <message>
        <source>Job %1 was disabled</source>
        <translation>Job %1 wurde deaktiviert</translation>
    </message>
</context>
<context>
    <name>paddock::JobStore</name>
    <message>
        <source>job &quot;%1&quot;: %2</source>
        <translation>Job „%1“: %2</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a job name: a lowercase letter, then up to 30 lowercase letters, digits and hyphens</source>
        <translation>„%1“ ist kein Job-Name: ein Kleinbuchstabe, dann bis zu 30 Kleinbuchstaben, Ziffern und Bindestriche</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a persona&apos;s name</source>
        <translation>„%1“ ist nicht der Name einer Persona</translation>
    </message>
    <message>
        <source>the repository must be an absolute path to a git repository</source>
        <translation>das Repository muss ein absoluter Pfad zu einem Git-Repository sein</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a branch name</source>
        <translation>„%1“ ist kein Branch-Name</translation>
    </message>
    <message>
        <source>unknown agent &quot;%1&quot;; use %2, or leave it out for the persona&apos;s</source>
        <translation>unbekannter Agent „%1“; verwenden Sie %2, oder lassen Sie ihn weg, um den der Persona zu nutzen</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a model name</source>
        <translation>„%1“ ist kein Modellname</translation>
    </message>
    <message>
        <source>give a prompt or a command, not both</source>
        <translation>geben Sie einen Prompt oder einen Befehl an, nicht beides</translation>
    </message>
    <message>
        <source>a job needs a prompt for its agent, or a command</source>
        <translation>ein Job braucht einen Prompt für seinen Agenten oder einen Befehl</translation>
    </message>
    <message>
        <source>a command runs without an agent: leave agent, model and effort out</source>
        <translation>ein Befehl läuft ohne Agenten: Lassen Sie Agent, Modell und Aufwand weg</translation>
    </message>
    <message>
        <source>the prompt is longer than 100,000 characters</source>
        <translation>der Prompt ist länger als 100.000 Zeichen</translation>
    </message>
    <message>
        <source>schedule &quot;%1&quot;: %2</source>
        <translation>Zeitplan „%1“: %2</translation>
    </message>
    <message>
        <source>unknown time zone &quot;%1&quot;: use an IANA name such as Europe/Berlin</source>
        <translation>unbekannte Zeitzone „%1“: Verwenden Sie einen IANA-Namen wie Europe/Berlin</translation>
    </message>
    <message>
        <source>the timeout must be from 1 minute to 7 days (10080)</source>
        <translation>das Zeitlimit muss zwischen 1 Minute und 7 Tagen (10080) liegen</translation>
    </message>
    <message>
        <source>a soft limit above its hard limit would never warn</source>
        <translation>eine weiche Grenze über ihrer harten Grenze würde nie warnen</translation>
    </message>
    <message>
        <source>catchUpLimit must be from 1 to 100</source>
        <translation>catchUpLimit muss zwischen 1 und 100 liegen</translation>
    </message>
    <message>
        <source>maxLatenessMinutes must be from 0 to 44640 (31 days)</source>
        <translation>maxLatenessMinutes muss zwischen 0 und 44640 (31 Tage) liegen</translation>
    </message>
    <message>
        <source>retries must be from 0 to 10</source>
        <translation>retries muss zwischen 0 und 10 liegen</translation>
    </message>
    <message>
        <source>failureThreshold must be from 1 to 100</source>
        <translation>failureThreshold muss zwischen 1 und 100 liegen</translation>
    </message>
    <message>
        <source>two jobs are named &quot;%1&quot;</source>
        <translation>es gibt zwei Jobs namens „%1“</translation>
    </message>
    <message>
        <source>Paddock runs no jobs and will not save changes to them until the file is fixed or removed (the previous version, if any, is %1).</source>
        <translation>Paddock führt keine Jobs aus und speichert keine Änderungen daran, bis die Datei korrigiert oder entfernt ist (die vorherige Fassung, falls vorhanden, ist %1).</translation>
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
        <source>written by a newer Paddock (jobs version %1; this Paddock reads up to %2)</source>
        <translation>von einem neueren Paddock geschrieben (Jobs-Version %1; dieses Paddock liest bis %2)</translation>
    </message>
    <message>
        <source>&quot;jobs&quot; must be a list</source>
        <translation>„jobs“ muss eine Liste sein</translation>
    </message>
    <message>
        <source>each job must be an object</source>
        <translation>jeder Job muss ein Objekt sein</translation>
    </message>
    <message>
        <source>job %1 has no &quot;%2&quot;</source>
        <translation>Job %1 hat kein „%2“</translation>
    </message>
    <message>
        <source>&quot;%1&quot; has the wrong type or is out of range</source>
        <translation>„%1“ hat den falschen Typ oder liegt außerhalb des Bereichs</translation>
    </message>
    <message>
        <source>&quot;enabled&quot; must be true or false</source>
        <translation>„enabled“ muss true oder false sein</translation>
    </message>
    <message>
        <source>&quot;command&quot; must be a list of strings</source>
        <translation>„command“ muss eine Liste von Zeichenketten sein</translation>
    </message>
    <message>
        <source>&quot;budget&quot; must be an object</source>
        <translation>„budget“ muss ein Objekt sein</translation>
    </message>
    <message>
        <source>the budget&apos;s limits must be numbers from 0 (no limit) upwards</source>
        <translation>die Grenzen des Budgets müssen Zahlen ab 0 (keine Grenze) sein</translation>
    </message>
    <message>
        <source>unknown overlap &quot;%1&quot;; use forbid, allow or replace</source>
        <translation>unbekannter overlap-Wert „%1“; verwenden Sie forbid, allow oder replace</translation>
    </message>
    <message>
        <source>unknown catchUp &quot;%1&quot;; use skip, latest or all</source>
        <translation>unbekannter catchUp-Wert „%1“; verwenden Sie skip, latest oder all</translation>
    </message>
    <message>
        <source>jobs.json could not be read, so changes are not saved</source>
        <translation>jobs.json konnte nicht gelesen werden, daher werden Änderungen nicht gespeichert</translation>
    </message>
    <message>
        <source>Fix or remove the file first: %1</source>
        <translation>Korrigieren oder entfernen Sie zuerst die Datei: %1</translation>
    </message>
    <message>
        <source>a job named &quot;%1&quot; exists already</source>
        <translation>ein Job namens „%1“ existiert bereits</translation>
    </message>
    <message>
        <source>Choose another name.</source>
        <translation>Wählen Sie einen anderen Namen.</translation>
    </message>
    <message>
        <source>there is no job named &quot;%1&quot;</source>
        <translation>es gibt keinen Job namens „%1“</translation>
    </message>
    <message>
        <source>paddockctl job list lists them.</source>
        <translation>paddockctl job list listet sie auf.</translation>
    </message>
    <message>
        <source>the %1 agent has no reasoning effort to set</source>
        <translation>der Agent %1 hat keinen einstellbaren Denkaufwand</translation>
    </message>
    <message>
        <source>the effort &quot;%1&quot; is not one of %2</source>
        <translation>der Aufwand „%1“ ist keiner von %2</translation>
    </message>
    <message>
        <source>budgets are from 0 (no limit) to 10^12 tokens and 10^6 USD</source>
        <translation>Budgets reichen von 0 (keine Grenze) bis 10^12 Tokens und 10^6 USD</translation>
    </message>
</context>
<context>
    <name>paddock::JobsPage</name>
    <message>
        <source>to come</source>
        <translation>kommend</translation>
    </message>
    <message>
        <source>the slot it was due</source>
        <translation>der Termin, zu dem er fällig war</translation>
    </message>
    <message>
        <source>&amp;New job…</source>
        <translation>&amp;Neuer Job …</translation>
    </message>
    <message>
        <source>&amp;Run now</source>
        <translation>&amp;Jetzt ausführen</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Anhalten</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten …</translation>
    </message>
    <message>
        <source>D&amp;uplicate…</source>
        <translation>D&amp;uplizieren …</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen …</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>Stunden</translation>
    </message>
    <message>
        <source>Six hours across (ctrl+wheel zooms)</source>
        <translation>Sechs Stunden Breite (Strg+Mausrad zoomt)</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Tag</translation>
    </message>
    <message>
        <source>A day across</source>
        <translation>Ein Tag Breite</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>Woche</translation>
    </message>
    <message>
        <source>A week across</source>
        <translation>Eine Woche Breite</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Back to now</source>
        <translation>Zurück zu jetzt</translation>
    </message>
    <message>
        <source>Timeline:</source>
        <translation>Zeitleiste:</translation>
    </message>
    <message>
        <source>The scheduler is not running: jobs can be neither shown nor run.</source>
        <translation>Der Zeitplaner läuft nicht: Jobs können weder angezeigt noch ausgeführt werden.</translation>
    </message>
    <message>
        <source>%1 was disabled: %2</source>
        <translation>%1 wurde deaktiviert: %2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Starting the scheduler…</source>
        <translation>Der Zeitplaner wird gestartet …</translation>
    </message>
    <message>
        <source>Scheduling here: this Paddock runs the jobs.</source>
        <translation>Zeitplanung hier: Dieses Paddock führt die Jobs aus.</translation>
    </message>
    <message>
        <source>Following the scheduler of another Paddock (paddockctl serve): it runs the jobs, and what you do here is sent to it.</source>
        <translation>Folgt dem Zeitplaner eines anderen Paddock (paddockctl serve): Es führt die Jobs aus, und was Sie hier tun, wird dorthin gesendet.</translation>
    </message>
    <message>
        <source>The jobs file cannot be used; the jobs go on as they were.</source>
        <translation>Die Jobs-Datei kann nicht verwendet werden; die Jobs laufen weiter wie bisher.</translation>
    </message>
    <message>
        <source>The history of %1 could not be read: %2</source>
        <translation>Der Verlauf von %1 konnte nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>The run history could not be read: %1</source>
        <translation>Der Verlauf der Läufe konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Res&amp;ume</source>
        <translation>F&amp;ortsetzen</translation>
    </message>
    <message>
        <source>%1: asked to run now.</source>
        <translation>%1: sofortige Ausführung angefordert.</translation>
    </message>
    <message>
        <source>Delete job</source>
        <translation>Job löschen</translation>
    </message>
    <message>
        <source>Delete the job &quot;%1&quot;? Its runs stay in the history.</source>
        <translation>Den Job „%1“ löschen? Seine Läufe bleiben im Verlauf.</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
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
    <name>paddock::LogViewer</name>
    <message>
        <source>&amp;Follow</source>
        <translation>&amp;Folgen</translation>
    </message>
    <message>
        <source>Log of %1</source>
        <translation>Protokoll von %1</translation>
    </message>
    <message>
        <source>Keep the newest lines in view</source>
        <translation>Die neuesten Zeilen im Blick behalten</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Suche</translation>
    </message>
    <message>
        <source>Previous match (Shift+F3)</source>
        <translation>Vorheriger Treffer (Umschalt+F3)</translation>
    </message>
    <message>
        <source>Next match (F3)</source>
        <translation>Nächster Treffer (F3)</translation>
    </message>
    <message>
        <source>more than %L1 matches</source>
        <translation>mehr als %L1 Treffer</translation>
    </message>
    <message>
        <source>1 match</source>
        <translation>1 Treffer</translation>
    </message>
    <message>
        <source>%L1 matches</source>
        <translation>%L1 Treffer</translation>
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
    <name>paddock::McpConfig</name>
    <message>
        <source>&quot;%1&quot; must be a string</source>
        <translation>„%1“ muss eine Zeichenkette sein</translation>
    </message>
    <message>
        <source>Write it in quotes, e.g. %1 = &quot;…&quot;.</source>
        <translation>Schreiben Sie sie in Anführungszeichen, z. B. %1 = &quot;…&quot;.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; must be a list of strings</source>
        <translation>„%1“ muss eine Liste von Zeichenketten sein</translation>
    </message>
    <message>
        <source>Write it as %1 = [&quot;…&quot;, &quot;…&quot;].</source>
        <translation>Schreiben Sie sie als %1 = [&quot;…&quot;, &quot;…&quot;].</translation>
    </message>
    <message>
        <source>&quot;%1&quot; must be a table of strings</source>
        <translation>„%1“ muss eine Tabelle von Zeichenketten sein</translation>
    </message>
    <message>
        <source>Write it as %1 = { NAME = &quot;…&quot; }.</source>
        <translation>Schreiben Sie sie als %1 = { NAME = &quot;…&quot; }.</translation>
    </message>
    <message>
        <source>servers.%1 must be a table</source>
        <translation>servers.%1 muss eine Tabelle sein</translation>
    </message>
    <message>
        <source>Write it as [servers.%1] with command or url below it.</source>
        <translation>Schreiben Sie sie als [servers.%1] mit command oder url darunter.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a server name</source>
        <translation>„%1“ ist kein Servername</translation>
    </message>
    <message>
        <source>Use 1 to 48 lower-case letters, digits, &apos;-&apos; and &apos;_&apos;, starting with a letter or a digit: agents name its tools after it.</source>
        <translation>Verwenden Sie 1 bis 48 Kleinbuchstaben, Ziffern, „-“ und „_“, beginnend mit einem Buchstaben oder einer Ziffer: Agenten benennen seine Werkzeuge danach.</translation>
    </message>
    <message>
        <source>servers.%1 has an unknown key &quot;%2&quot;</source>
        <translation>servers.%1 hat einen unbekannten Schlüssel „%2“</translation>
    </message>
    <message>
        <source>Use %1.</source>
        <translation>Verwenden Sie %1.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an environment variable&apos;s name</source>
        <translation>„%1“ ist kein Name einer Umgebungsvariablen</translation>
    </message>
    <message>
        <source>Use letters, digits and _, not starting with a digit.</source>
        <translation>Verwenden Sie Buchstaben, Ziffern und _, nicht mit einer Ziffer beginnend.</translation>
    </message>
    <message>
        <source>Name the secret under [servers.%1] secrets instead: %2 = &quot;SECRET-NAME&quot;.</source>
        <translation>Nennen Sie stattdessen das Geheimnis unter [servers.%1] secrets: %2 = &quot;GEHEIMNIS-NAME&quot;.</translation>
    </message>
    <message>
        <source>servers.%1 needs either a command or a url</source>
        <translation>servers.%1 braucht entweder command oder url</translation>
    </message>
    <message>
        <source>A program the agent starts: command = &quot;…&quot; (and args); a server over HTTP: url = &quot;https://…&quot;.</source>
        <translation>Ein Programm, das der Agent startet: command = &quot;…&quot; (und args); ein Server über HTTP: url = &quot;https://…&quot;.</translation>
    </message>
    <message>
        <source>servers.%1: the url must be http:// or https://</source>
        <translation>servers.%1: die URL muss mit http:// oder https:// beginnen</translation>
    </message>
    <message>
        <source>Give the server&apos;s streamable HTTP endpoint, e.g. https://mcp.example.com/mcp.</source>
        <translation>Geben Sie den Streamable-HTTP-Endpunkt des Servers an, z. B. https://mcp.example.com/mcp.</translation>
    </message>
    <message>
        <source>servers.%1 is a url: args, env and secrets belong to a command</source>
        <translation>servers.%1 ist eine URL: args, env und secrets gehören zu einem command</translation>
    </message>
    <message>
        <source>Remove them, or use command instead of url.</source>
        <translation>Entfernen Sie sie, oder verwenden Sie command statt url.</translation>
    </message>
    <message>
        <source>servers.%1: headers belong to a url, not a command</source>
        <translation>servers.%1: headers gehören zu einer URL, nicht zu einem command</translation>
    </message>
    <message>
        <source>Pass what the program needs in env or secrets instead.</source>
        <translation>Übergeben Sie, was das Programm braucht, stattdessen in env oder secrets.</translation>
    </message>
    <message>
        <source>Fix the TOML there (https://toml.io), or remove the file to have no MCP servers.</source>
        <translation>Berichtigen Sie das TOML dort (https://toml.io), oder entfernen Sie die Datei, um keine MCP-Server zu haben.</translation>
    </message>
    <message>
        <source>unknown table &quot;%1&quot;</source>
        <translation>unbekannte Tabelle „%1“</translation>
    </message>
    <message>
        <source>mcp.toml holds [servers.NAME] tables only.</source>
        <translation>mcp.toml enthält nur Tabellen [servers.NAME].</translation>
    </message>
    <message>
        <source>&quot;servers&quot; must be a table of servers</source>
        <translation>„servers“ muss eine Tabelle von Servern sein</translation>
    </message>
    <message>
        <source>Write each as [servers.NAME].</source>
        <translation>Schreiben Sie jeden als [servers.NAME].</translation>
    </message>
    <message>
        <source>cannot read the MCP servers: %1</source>
        <translation>die MCP-Server können nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Check the file&apos;s permissions.</source>
        <translation>Prüfen Sie die Zugriffsrechte der Datei.</translation>
    </message>
</context>
<context>
    <name>paddock::McpPage</name>
    <message>
        <source>&amp;Reload</source>
        <translation>&amp;Neu laden</translation>
    </message>
    <message>
        <source>&amp;Open mcp.toml</source>
        <translation>mcp.toml ö&amp;ffnen</translation>
    </message>
    <message>
        <source>MCP servers</source>
        <translation>MCP-Server</translation>
    </message>
    <message>
        <source>Configured once in %1, for every agent of the personas named there; each persona&apos;s agents get them in their own format at its next start.</source>
        <translation>Einmal in %1 eingerichtet, für jeden Agenten der dort genannten Personas; die Agenten jeder Persona erhalten sie bei ihrem nächsten Start in ihrem eigenen Format.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Führt aus</translation>
    </message>
    <message>
        <source>Personas</source>
        <translation>Personas</translation>
    </message>
    <message>
        <source>Open the file in your editor (an example is written when there is none)</source>
        <translation>Die Datei im Editor öffnen (ein Beispiel wird geschrieben, wenn es keine gibt)</translation>
    </message>
    <message>
        <source>Generated at the start of</source>
        <translation>Erzeugt beim Start von</translation>
    </message>
    <message>
        <source>for</source>
        <translation>für</translation>
    </message>
    <message>
        <source>every persona</source>
        <translation>jede Persona</translation>
    </message>
    <message>
        <source>With the secrets %1, read from the tmpfs when it starts</source>
        <translation>Mit den Geheimnissen %1, beim Start aus dem tmpfs gelesen</translation>
    </message>
    <message>
        <source>// ~/.claude.json (merged into it), and mcp__NAME allowed in ~/.claude/settings.json</source>
        <translation>// ~/.claude.json (hineingemischt), und mcp__NAME erlaubt in ~/.claude/settings.json</translation>
    </message>
    <message>
        <source># ~/.codex/config.toml</source>
        <translation># ~/.codex/config.toml</translation>
    </message>
    <message>
        <source># (no MCP servers)</source>
        <translation># (keine MCP-Server)</translation>
    </message>
    <message>
        <source>// opencode&apos;s configuration (OPENCODE_CONFIG)</source>
        <translation>// Konfiguration von opencode (OPENCODE_CONFIG)</translation>
    </message>
    <message>
        <source>// ~/.copilot/mcp-config.json</source>
        <translation>// ~/.copilot/mcp-config.json</translation>
    </message>
    <message>
        <source>There are no personas.</source>
        <translation>Es gibt keine Personas.</translation>
    </message>
    <message>
        <source>No program opens %1 on this desktop; edit it with any text editor.</source>
        <translation>Kein Programm öffnet %1 auf dieser Arbeitsumgebung; bearbeiten Sie die Datei mit einem beliebigen Texteditor.</translation>
    </message>
</context>
<context>
    <name>paddock::Persona</name>
    <message>
        <source>the root file system is writable</source>
        <translation>das Wurzeldateisystem ist beschreibbar</translation>
    </message>
    <message>
        <source>the agent runs as root inside the container</source>
        <translation>der Agent läuft im Container als root</translation>
    </message>
    <message>
        <source>capability %1 is granted</source>
        <translation>die Capability %1 ist gewährt</translation>
    </message>
    <message>
        <source>network policies are not enforced: denials are only recorded (shadow mode)</source>
        <translation>Netzwerkrichtlinien werden nicht durchgesetzt: Verwehrungen werden nur aufgezeichnet (Schattenmodus)</translation>
    </message>
    <message>
        <source>network policies are not enforced: every connection is allowed and recorded (record mode)</source>
        <translation>Netzwerkrichtlinien werden nicht durchgesetzt: jede Verbindung wird erlaubt und aufgezeichnet (Aufzeichnungsmodus)</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an environment variable&apos;s name (letters, digits and _, not starting with a digit)</source>
        <translation>„%1“ ist kein Name einer Umgebungsvariablen (Buchstaben, Ziffern und _, nicht mit einer Ziffer beginnend)</translation>
    </message>
    <message>
        <source>%1 is set by Paddock itself; the agent cannot set it</source>
        <translation>%1 setzt Paddock selbst; der Agent kann es nicht setzen</translation>
    </message>
    <message>
        <source>%1 looks like a key: keys are secrets. Store it on the Secrets page and assign it to the persona (docs/agents.md says which name each agent reads)</source>
        <translation>%1 sieht nach einem Schlüssel aus: Schlüssel sind Geheimnisse. Speichern Sie ihn auf der Seite „Geheimnisse“ und weisen Sie ihn der Persona zu (docs/agents.md nennt den Namen, den jeder Agent liest)</translation>
    </message>
</context>
<context>
    <name>paddock::PersonaCard</name>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Restart</source>
        <translation>Neu starten</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Copy shell command</source>
        <translation>Shell-Befehl kopieren</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten …</translation>
    </message>
    <message>
        <source>Duplicate…</source>
        <translation>Duplizieren …</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Löschen …</translation>
    </message>
    <message>
        <source>Copies the command that opens a shell in the running container</source>
        <translation>Kopiert den Befehl, der eine Shell im laufenden Container öffnet</translation>
    </message>
    <message>
        <source>full trust</source>
        <translation>volles Vertrauen</translation>
    </message>
    <message>
        <source>moderate trust</source>
        <translation>mittleres Vertrauen</translation>
    </message>
    <message>
        <source>restricted</source>
        <translation>eingeschränkt</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 T %2 h</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>On the default network</source>
        <translation>Im Standardnetzwerk</translation>
    </message>
    <message>
        <source>Hardening relaxed: %1</source>
        <translation>Härtung gelockert: %1</translation>
    </message>
    <message>
        <source>; </source>
        <translation>; </translation>
    </message>
    <message>
        <source>127.0.0.1:%1 → %2</source>
        <translation>127.0.0.1:%1 → %2</translation>
    </message>
    <message>
        <source>Ports: none published</source>
        <translation>Ports: keine veröffentlicht</translation>
    </message>
    <message>
        <source>Ports: %1</source>
        <translation>Ports: %1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Workspace: none (drop a folder here to open one)</source>
        <translation>Arbeitsbereich: keiner (ziehen Sie einen Ordner hierher, um einen zu öffnen)</translation>
    </message>
    <message>
        <source>Workspace: %1</source>
        <translation>Arbeitsbereich: %1</translation>
    </message>
    <message>
        <source>up %1</source>
        <translation>Laufzeit %1</translation>
    </message>
    <message>
        <source>CPU: —</source>
        <translation>CPU: —</translation>
    </message>
    <message>
        <source>Memory: —</source>
        <translation>Speicher: —</translation>
    </message>
    <message>
        <source>CPU: %1 %</source>
        <translation>CPU: %1 %</translation>
    </message>
    <message>
        <source>Memory: %1 of %2</source>
        <translation>Speicher: %1 von %2</translation>
    </message>
    <message>
        <source>Memory: %1</source>
        <translation>Speicher: %1</translation>
    </message>
    <message>
        <source>Only a folder can be dropped here: drop a local folder to open it as the workspace.</source>
        <translation>Hier kann nur ein Ordner abgelegt werden: Ziehen Sie einen lokalen Ordner hierher, um ihn als Arbeitsbereich zu öffnen.</translation>
    </message>
    <message numerus="yes">
        <source>Drop one folder at a time: %n items were dropped.</source>
        <translation>
            <numerusform>Legen Sie jeweils nur einen Ordner ab: %n Element wurde abgelegt.</numerusform>
            <numerusform>Legen Sie jeweils nur einen Ordner ab: %n Elemente wurden abgelegt.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 is not on this computer: drop a local folder to open it as the workspace.</source>
        <translation>%1 liegt nicht auf diesem Computer: Ziehen Sie einen lokalen Ordner hierher, um ihn als Arbeitsbereich zu öffnen.</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>%1 wird geprüft …</translation>
    </message>
    <message>
        <source>%1 is not a folder: drop a local folder to open it as the workspace.</source>
        <translation>%1 ist kein Ordner: Ziehen Sie einen lokalen Ordner hierher, um ihn als Arbeitsbereich zu öffnen.</translation>
    </message>
    <message>
        <source>Build agent image…</source>
        <translation>Agent-Abbild erstellen …</translation>
    </message>
    <message>
        <source>Start %1 now</source>
        <translation>%1 jetzt starten</translation>
    </message>
    <message>
        <source>The agent image %1 is missing: %2 cannot start without it.</source>
        <translation>Das Agent-Abbild %1 fehlt: Ohne es kann %2 nicht starten.</translation>
    </message>
    <message>
        <source>The agent image %1 is built.</source>
        <translation>Das Agent-Abbild %1 ist erstellt.</translation>
    </message>
    <message>
        <source>Suggest policy…</source>
        <translation>Richtlinie vorschlagen …</translation>
    </message>
    <message>
        <source>Draft a network policy from every connection recorded for this persona and open it in the policy editor for review</source>
        <translation>Aus allen für diese Persona aufgezeichneten Verbindungen eine Netzwerkrichtlinie entwerfen und sie zur Durchsicht im Richtlinieneditor öffnen</translation>
    </message>
    <message>
        <source>Egress proxy for it on this host: 127.0.0.1:%1</source>
        <translation>Egress-Proxy für sie auf diesem Rechner: 127.0.0.1:%1</translation>
    </message>
    <message>
        <source>No network: its one way out is Paddock&apos;s egress proxy, through a socket</source>
        <translation>Kein Netzwerk: Ihr einziger Weg nach draußen ist der Egress-Proxy von Paddock, über einen Socket</translation>
    </message>
    <message>
        <source>Ways out: no network; the egress proxy and git by its sockets only</source>
        <translation>Wege nach draußen: kein Netzwerk; Egress-Proxy und Git nur über ihre Sockets</translation>
    </message>
    <message>
        <source>Ways out: the default network; git by its socket</source>
        <translation>Wege nach draußen: das Standardnetzwerk; Git über ihren Socket</translation>
    </message>
    <message>
        <source>Open terminal</source>
        <translation>Terminal öffnen</translation>
    </message>
    <message>
        <source>A terminal on the agent&apos;s session in the container (tmux: detach with Ctrl-b d, the agent keeps working)</source>
        <translation>Ein Terminal auf der Sitzung des Agenten im Container (tmux: mit Strg-b d lösen, der Agent arbeitet weiter)</translation>
    </message>
    <message>
        <source>Open in VS Code</source>
        <translation>In VS Code öffnen</translation>
    </message>
    <message>
        <source>VS Code attached to the container, on the workspace</source>
        <translation>VS Code, mit dem Container verbunden, im Arbeitsbereich</translation>
    </message>
    <message>
        <source>The agent image %1 was built by another version of Paddock: its agents and entrypoint are not this version&apos;s. %2 still starts on it.</source>
        <translation>Das Agenten-Image %1 wurde von einer anderen Version von Paddock erstellt: seine Agenten und sein Einstiegspunkt sind nicht die dieser Version. %2 startet weiterhin darauf.</translation>
    </message>
    <message>
        <source>Update agents…</source>
        <translation>Agenten aktualisieren …</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>Anmelden…</translation>
    </message>
    <message>
        <source>Sign the agent in with your subscription instead of an API key</source>
        <translation>Den Agenten mit Ihrem Abonnement statt mit einem API-Schlüssel anmelden</translation>
    </message>
</context>
<context>
    <name>paddock::PersonaEditDialog</name>
    <message>
        <source>the image&apos;s own</source>
        <translation>vom Abbild vorgegeben</translation>
    </message>
    <message>
        <source>host:container, e.g. 2222:22</source>
        <translation>Host:Container, z. B. 2222:22</translation>
    </message>
    <message>
        <source>volume:/path, e.g. paddock-dev-home:/home/dev</source>
        <translation>Volume:/pfad, z. B. paddock-dev-home:/home/dev</translation>
    </message>
    <message>
        <source>the name of the secret with the SSH key</source>
        <translation>der Name des Geheimnisses mit dem SSH-Schlüssel</translation>
    </message>
    <message>
        <source>A deploy key (one repository), not the account key</source>
        <translation>Ein Deploy-Schlüssel (ein Repository), nicht der Kontoschlüssel</translation>
    </message>
    <message>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <source>Writable root file system</source>
        <translation>Beschreibbares Wurzeldateisystem</translation>
    </message>
    <message>
        <source>Run as root inside the container</source>
        <translation>Im Container als root ausführen</translation>
    </message>
    <message>
        <source>none; e.g. NET_BIND_SERVICE</source>
        <translation>keine; z. B. NET_BIND_SERVICE</translation>
    </message>
    <message>
        <source>New persona</source>
        <translation>Neue Persona</translation>
    </message>
    <message>
        <source>Edit persona %1</source>
        <translation>Persona %1 bearbeiten</translation>
    </message>
    <message>
        <source>By trust (restricted personas fail closed)</source>
        <translation>Nach Vertrauensstufe (eingeschränkte Personas sperren bei Fehlern)</translation>
    </message>
    <message>
        <source>Closed: refuse new actions while the audit log fails</source>
        <translation>Geschlossen: neue Aktionen verwehren, solange das Audit-Protokoll gestört ist</translation>
    </message>
    <message>
        <source>Open: go on unrecorded while the audit log fails</source>
        <translation>Offen: ohne Aufzeichnung weitermachen, solange das Audit-Protokoll gestört ist</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Trust:</source>
        <translation>&amp;Vertrauensstufe:</translation>
    </message>
    <message>
        <source>&amp;Image:</source>
        <translation>&amp;Abbild:</translation>
    </message>
    <message>
        <source>&amp;Entrypoint:</source>
        <translation>&amp;Einstiegspunkt:</translation>
    </message>
    <message>
        <source>&amp;Ports:</source>
        <translation>&amp;Ports:</translation>
    </message>
    <message>
        <source>&amp;Volumes:</source>
        <translation>V&amp;olumes:</translation>
    </message>
    <message>
        <source>SSH &amp;key secret:</source>
        <translation>SSH-Sch&amp;lüssel-Geheimnis:</translation>
    </message>
    <message>
        <source>When the &amp;audit log fails:</source>
        <translation>Bei gestörtem A&amp;udit-Protokoll:</translation>
    </message>
    <message>
        <source>Limits</source>
        <translation>Grenzen</translation>
    </message>
    <message>
        <source>&amp;Memory:</source>
        <translation>Arbeits&amp;speicher:</translation>
    </message>
    <message>
        <source>&amp;CPUs:</source>
        <translation>&amp;CPUs:</translation>
    </message>
    <message>
        <source>P&amp;rocesses (PIDs):</source>
        <translation>P&amp;rozesse (PIDs):</translation>
    </message>
    <message>
        <source>Open &amp;files:</source>
        <translation>Offene &amp;Dateien:</translation>
    </message>
    <message>
        <source>Processes per &amp;user:</source>
        <translation>Prozesse pro &amp;Benutzer:</translation>
    </message>
    <message>
        <source>Si&amp;ze of /tmp:</source>
        <translation>&amp;Größe von /tmp:</translation>
    </message>
    <message>
        <source>Hardening relaxations</source>
        <translation>Gelockerte Härtung</translation>
    </message>
    <message>
        <source>Added ca&amp;pabilities:</source>
        <translation>Zusätzliche Capab&amp;ilities:</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a port</source>
        <translation>„%1“ ist kein Port</translation>
    </message>
    <message>
        <source>Ports</source>
        <translation>Ports</translation>
    </message>
    <message>
        <source>Write the host port and the container port as HOST:CONTAINER, e.g. 2222:22.</source>
        <translation>Geben Sie den Host-Port und den Container-Port als HOST:CONTAINER an, z. B. 2222:22.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a volume</source>
        <translation>„%1“ ist kein Volume</translation>
    </message>
    <message>
        <source>Volumes</source>
        <translation>Volumes</translation>
    </message>
    <message>
        <source>Write the volume&apos;s name and where it is mounted as NAME:/PATH, e.g. paddock-dev-home:/home/dev.</source>
        <translation>Geben Sie den Namen des Volumes und seinen Einhängepunkt als NAME:/PFAD an, z. B. paddock-dev-home:/home/dev.</translation>
    </message>
    <message>
        <source>This persona switches off hardening:</source>
        <translation>Diese Persona schaltet Härtung ab:</translation>
    </message>
    <message>
        <source>Enforce: the policies decide</source>
        <translation>Durchsetzen: die Richtlinien entscheiden</translation>
    </message>
    <message>
        <source>Shadow: denials are only recorded</source>
        <translation>Schatten: Verwehrungen werden nur aufgezeichnet</translation>
    </message>
    <message>
        <source>Record: everything is allowed and recorded</source>
        <translation>Aufzeichnen: alles wird erlaubt und aufgezeichnet</translation>
    </message>
    <message>
        <source>How the egress proxy applies this persona&apos;s network policies. Shadow and record let every connection through and record the would-be denials: use them to try a policy out or to draft one (Suggest policy), then return to enforce.</source>
        <translation>Wie der Egress-Proxy die Netzwerkrichtlinien dieser Persona anwendet. Schatten und Aufzeichnen lassen jede Verbindung durch und zeichnen auf, was verwehrt würde: Nutzen Sie sie, um eine Richtlinie auszuprobieren oder eine zu entwerfen („Richtlinie vorschlagen“), und kehren Sie dann zu „Durchsetzen“ zurück.</translation>
    </message>
    <message>
        <source>&amp;Network policy mode:</source>
        <translation>&amp;Modus der Netzwerkrichtlinien:</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>The egress proxy also serves this persona on 127.0.0.1 at this port while Paddock runs, for its processes on this host (a full-trust agent run outside a container, for example). Whatever runs on this host may use it as this persona.</source>
        <translation>Der Egress-Proxy bedient diese Persona zusätzlich auf 127.0.0.1 an diesem Port, solange Paddock läuft – für ihre Prozesse auf diesem Rechner (etwa einen Agenten mit voller Vertrauensstufe, der außerhalb eines Containers läuft). Alles, was auf diesem Rechner läuft, kann ihn als diese Persona nutzen.</translation>
    </message>
    <message>
        <source>Proxy on &amp;loopback:</source>
        <translation>Proxy auf &amp;Loopback:</translation>
    </message>
    <message>
        <source>the agent&apos;s default</source>
        <translation>die Voreinstellung des Agenten</translation>
    </message>
    <message>
        <source>Its web UI on the first port, instead of a terminal session</source>
        <translation>Seine Weboberfläche auf dem ersten Port statt einer Terminalsitzung</translation>
    </message>
    <message>
        <source>the command that runs in the session</source>
        <translation>der Befehl, der in der Sitzung läuft</translation>
    </message>
    <message>
        <source>None: a shell (or the entrypoint)</source>
        <translation>Keiner: eine Shell (oder der Einstiegspunkt)</translation>
    </message>
    <message>
        <source>A command of your own</source>
        <translation>Ein eigener Befehl</translation>
    </message>
    <message>
        <source>What runs in the persona&apos;s tmux session in the workspace; Open terminal attaches to it.</source>
        <translation>Was in der tmux-Sitzung der Persona im Arbeitsbereich läuft; „Terminal öffnen“ verbindet sich damit.</translation>
    </message>
    <message>
        <source>The agent&apos;s default</source>
        <translation>Voreinstellung des Agenten</translation>
    </message>
    <message>
        <source>NAME=value, one per line (e.g. ANTHROPIC_BASE_URL=https://gateway…); keys are secrets, not variables</source>
        <translation>NAME=Wert, einer je Zeile (z. B. ANTHROPIC_BASE_URL=https://gateway…); Schlüssel sind Geheimnisse, keine Variablen</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>A&amp;gent:</source>
        <translation>A&amp;gent:</translation>
    </message>
    <message>
        <source>M&amp;odel:</source>
        <translation>M&amp;odell:</translation>
    </message>
    <message>
        <source>An agent runs in Paddock&apos;s session, so the persona cannot have an entrypoint too</source>
        <translation>Ein Agent läuft in der Sitzung von Paddock, daher kann die Persona nicht zusätzlich einen Einstiegspunkt haben</translation>
    </message>
    <message>
        <source>Entrypoint</source>
        <translation>Einstiegspunkt</translation>
    </message>
    <message>
        <source>Clear the entrypoint, or choose &quot;None&quot; as the agent to run the entrypoint.</source>
        <translation>Leeren Sie den Einstiegspunkt, oder wählen Sie „Keiner“ als Agent, um den Einstiegspunkt auszuführen.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not NAME=value</source>
        <translation>„%1“ ist nicht NAME=Wert</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <source>Write one variable per line, e.g. ANTHROPIC_BASE_URL=https://…</source>
        <translation>Schreiben Sie eine Variable je Zeile, z. B. ANTHROPIC_BASE_URL=https://…</translation>
    </message>
    <message>
        <source>Claude Code reads its API key from the secret &quot;%1&quot; (or sign in with a subscription).</source>
        <translation>Claude Code liest seinen API-Schlüssel aus dem Geheimnis „%1“ (oder melden Sie sich mit einem Abonnement an).</translation>
    </message>
    <message>
        <source>Codex reads its API key from the secret &quot;%1&quot;.</source>
        <translation>Codex liest seinen API-Schlüssel aus dem Geheimnis „%1“.</translation>
    </message>
    <message>
        <source>opencode reads the secrets &quot;%1&quot; and &quot;%2&quot;, for its Anthropic and OpenAI models.</source>
        <translation>opencode liest die Geheimnisse „%1“ und „%2“ für seine Anthropic- und OpenAI-Modelle.</translation>
    </message>
    <message>
        <source>Copilot CLI reads its GitHub token from the secret &quot;%1&quot;.</source>
        <translation>Copilot CLI liest sein GitHub-Token aus dem Geheimnis „%1“.</translation>
    </message>
    <message>
        <source>Assign it to this persona on the Secrets page.</source>
        <translation>Weisen Sie es dieser Persona auf der Seite „Geheimnisse“ zu.</translation>
    </message>
    <message>
        <source>Rea&amp;soning effort:</source>
        <translation>Denk&amp;aufwand:</translation>
    </message>
    <message>
        <source>Comman&amp;d:</source>
        <translation>Be&amp;fehl:</translation>
    </message>
    <message>
        <source>Environment:</source>
        <translation>Umgebung:</translation>
    </message>
</context>
<context>
    <name>paddock::PersonaRuntime</name>
    <message>
        <source>starting</source>
        <translation>wird gestartet</translation>
    </message>
    <message>
        <source>stopping</source>
        <translation>wird angehalten</translation>
    </message>
    <message>
        <source>looking up %1: the engine answered %2</source>
        <translation>Nachschlagen von %1: der Container-Dienst antwortete %2</translation>
    </message>
    <message>
        <source>could not hand the workspace to the container user: %1</source>
        <translation>der Arbeitsbereich konnte nicht an den Benutzer im Container übergeben werden: %1</translation>
    </message>
    <message>
        <source>Check that the data folder is on a file system that keeps owners.</source>
        <translation>Prüfen Sie, ob der Datenordner auf einem Dateisystem liegt, das Eigentümer speichert.</translation>
    </message>
    <message>
        <source>the image %1 of persona %2 is not there</source>
        <translation>das Abbild %1 der Persona %2 ist nicht vorhanden</translation>
    </message>
    <message>
        <source>Build it with &quot;Build agent image&quot; on the Personas page, or with &quot;paddockctl image build&quot;.</source>
        <translation>Erstellen Sie es mit „Agent-Abbild erstellen“ auf der Seite „Personas“ oder mit „paddockctl image build“.</translation>
    </message>
    <message>
        <source>volume %1</source>
        <translation>Volume %1</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>exited</source>
        <translation>beendet</translation>
    </message>
    <message>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>exited (out of memory)</source>
        <translation>beendet (kein Speicher mehr)</translation>
    </message>
    <message>
        <source>exited (code %1)</source>
        <translation>beendet (Code %1)</translation>
    </message>
    <message>
        <source>%1 %2 at %3</source>
        <translation>%1 %2 unter %3</translation>
    </message>
    <message>
        <source>there is no persona %1</source>
        <translation>es gibt keine Persona %1</translation>
    </message>
    <message>
        <source>See the personas with &quot;paddockctl persona list&quot;.</source>
        <translation>Die Personas zeigt „paddockctl persona list“.</translation>
    </message>
    <message>
        <source>no container engine to start %1 on</source>
        <translation>kein Container-Dienst, auf dem %1 gestartet werden könnte</translation>
    </message>
    <message>
        <source>cannot stop %1: it is not known or there is no engine</source>
        <translation>%1 kann nicht angehalten werden: unbekannt oder kein Container-Dienst vorhanden</translation>
    </message>
    <message>
        <source>%1 is busy with another action</source>
        <translation>%1 ist mit einer anderen Aktion beschäftigt</translation>
    </message>
    <message>
        <source>Wait for it to finish, then try again.</source>
        <translation>Warten Sie, bis sie abgeschlossen ist, und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>could not start %1: %2</source>
        <translation>%1 konnte nicht gestartet werden: %2</translation>
    </message>
    <message>
        <source>could not stop %1: %2</source>
        <translation>%1 konnte nicht angehalten werden: %2</translation>
    </message>
    <message>
        <source>could not restart %1: %2</source>
        <translation>%1 konnte nicht neu gestartet werden: %2</translation>
    </message>
    <message>
        <source>could not remove %1: %2</source>
        <translation>%1 konnte nicht entfernt werden: %2</translation>
    </message>
    <message>
        <source>%1 failed for %2: %3</source>
        <translation>%1 ist für %2 fehlgeschlagen: %3</translation>
    </message>
    <message>
        <source>neither persona %1 nor its image %2 says what to run</source>
        <translation>weder die Persona %1 noch ihr Abbild %2 sagt, was ausgeführt werden soll</translation>
    </message>
    <message>
        <source>Give the persona an entrypoint.</source>
        <translation>Geben Sie der Persona einen Einstiegspunkt.</translation>
    </message>
    <message>
        <source>paddock-relay is not installed</source>
        <translation>paddock-relay ist nicht installiert</translation>
    </message>
    <message>
        <source>Reinstall Paddock, or name the relay with PADDOCK_RELAY.</source>
        <translation>Installieren Sie Paddock neu, oder nennen Sie das Relay mit PADDOCK_RELAY.</translation>
    </message>
    <message>
        <source>Use an image with a shell and a user with uid 1000 (a Dockerfile line such as &quot;RUN useradd --uid 1000 --create-home dev&quot;), or Paddock&apos;s agent image.</source>
        <translation>Verwenden Sie ein Image mit einer Shell und einem Benutzer mit UID 1000 (eine Dockerfile-Zeile wie „RUN useradd --uid 1000 --create-home dev“) oder das Agenten-Image von Paddock.</translation>
    </message>
    <message>
        <source>the image %1 of persona %2 has no shell (/bin/sh), which Paddock&apos;s entrypoint needs</source>
        <translation>das Image %1 der Persona %2 hat keine Shell (/bin/sh), die der Einstiegspunkt von Paddock braucht</translation>
    </message>
    <message>
        <source>the image %1 of persona %2 has no user with uid 1000, the user a persona runs as</source>
        <translation>das Image %1 der Persona %2 hat keinen Benutzer mit UID 1000, den Benutzer, als der eine Persona läuft</translation>
    </message>
    <message>
        <source>Paddock&apos;s entrypoint (paddock-agent) is not installed</source>
        <translation>der Einstiegspunkt von Paddock (paddock-agent) ist nicht installiert</translation>
    </message>
    <message>
        <source>Reinstall Paddock.</source>
        <translation>Installieren Sie Paddock erneut.</translation>
    </message>
    <message>
        <source>the image %1 of persona %2 failed the check for a shell and a user 1000 (exit status %3)</source>
        <translation>das Image %1 der Persona %2 hat die Prüfung auf eine Shell und einen Benutzer 1000 nicht bestanden (Exit-Status %3)</translation>
    </message>
    <message>
        <source>no container engine is running</source>
        <translation>es läuft kein Container-Dienst</translation>
    </message>
    <message>
        <source>%1&apos;s agent (%2) has no sign-in</source>
        <translation>Der Agent von %1 (%2) hat keine Anmeldung</translation>
    </message>
    <message>
        <source>Give it an API key on the Secrets page instead.</source>
        <translation>Geben Sie ihm stattdessen auf der Seite „Geheimnisse“ einen API-Schlüssel.</translation>
    </message>
    <message>
        <source>no container engine to sign in on</source>
        <translation>keine Container-Engine für die Anmeldung</translation>
    </message>
    <message>
        <source>there is no keychain to keep a sign-in in</source>
        <translation>es gibt keinen Schlüsselbund, der eine Anmeldung aufbewahren könnte</translation>
    </message>
    <message>
        <source>Paddock&apos;s relay or entrypoint is not installed</source>
        <translation>Paddocks Relay oder Einstiegspunkt ist nicht installiert</translation>
    </message>
    <message>
        <source>%1 is signing in already</source>
        <translation>%1 wird bereits angemeldet</translation>
    </message>
    <message>
        <source>Finish that sign-in in its terminal, or cancel it.</source>
        <translation>Schließen Sie diese Anmeldung in ihrem Terminal ab oder brechen Sie sie ab.</translation>
    </message>
    <message>
        <source>the sign-in was cancelled</source>
        <translation>die Anmeldung wurde abgebrochen</translation>
    </message>
    <message>
        <source>the sign-in ended before it was finished</source>
        <translation>die Anmeldung endete, bevor sie abgeschlossen war</translation>
    </message>
    <message>
        <source>looking up the image %1: the engine answered %2</source>
        <translation>Abfrage des Images %1: die Engine antwortete %2</translation>
    </message>
    <message>
        <source>%1 tokens</source>
        <translation>%1 Tokens</translation>
    </message>
    <message>
        <source> or </source>
        <translation> oder </translation>
    </message>
    <message>
        <source>its persona %1 does not exist</source>
        <translation>seine Persona %1 existiert nicht</translation>
    </message>
    <message>
        <source>no container engine answers: %1</source>
        <translation>kein Container-Dienst antwortet: %1</translation>
    </message>
    <message>
        <source>Paddock&apos;s relay or entrypoint is not installed; reinstall Paddock</source>
        <translation>Relay oder Einstiegspunkt von Paddock ist nicht installiert; installieren Sie Paddock neu</translation>
    </message>
    <message>
        <source>unknown agent &quot;%1&quot;</source>
        <translation>unbekannter Agent „%1“</translation>
    </message>
    <message>
        <source>its workspace could not be made: %1</source>
        <translation>sein Arbeitsbereich konnte nicht angelegt werden: %1</translation>
    </message>
    <message>
        <source>its secrets could not be read: %1</source>
        <translation>seine Geheimnisse konnten nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>its log cannot be written: %1</source>
        <translation>sein Protokoll kann nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>run %1 of job %2 in a fresh container of %3: %4</source>
        <translation>Lauf %1 von Job %2 in einem frischen Container von %3: %4</translation>
    </message>
    <message>
        <source>its container could not start: %1</source>
        <translation>sein Container konnte nicht starten: %1</translation>
    </message>
    <message>
        <source>its secrets could not be delivered: %1</source>
        <translation>seine Geheimnisse konnten nicht übergeben werden: %1</translation>
    </message>
    <message>
        <source>it passed its soft budget (%1)</source>
        <translation>er hat sein weiches Budget überschritten (%1)</translation>
    </message>
    <message>
        <source>cancelled: stopping it</source>
        <translation>abgebrochen: er wird angehalten</translation>
    </message>
    <message numerus="yes">
        <source>its timeout of %n minute(s) is over: stopping it</source>
        <translation>
            <numerusform>sein Zeitlimit von %n Minute ist abgelaufen: er wird angehalten</numerusform>
            <numerusform>sein Zeitlimit von %n Minuten ist abgelaufen: er wird angehalten</numerusform>
        </translation>
    </message>
    <message>
        <source>its hard budget (%1) is spent: stopping it</source>
        <translation>sein hartes Budget (%1) ist aufgebraucht: er wird angehalten</translation>
    </message>
    <message numerus="yes">
        <source>stopped at its timeout of %n minute(s)</source>
        <translation>
            <numerusform>bei seinem Zeitlimit von %n Minute angehalten</numerusform>
            <numerusform>bei seinem Zeitlimit von %n Minuten angehalten</numerusform>
        </translation>
    </message>
    <message>
        <source>stopped at its hard budget (%1)</source>
        <translation>bei seinem harten Budget (%1) angehalten</translation>
    </message>
    <message>
        <source>its container went away while it ran</source>
        <translation>sein Container ist während des Laufs verschwunden</translation>
    </message>
    <message>
        <source>exit code %1: %2</source>
        <translation>Exit-Code %1: %2</translation>
    </message>
    <message>
        <source>exit code %1</source>
        <translation>Exit-Code %1</translation>
    </message>
    <message>
        <source>the agent reported a failure: %1</source>
        <translation>der Agent hat einen Fehlschlag gemeldet: %1</translation>
    </message>
    <message>
        <source>the agent ended without reporting its result</source>
        <translation>der Agent wurde beendet, ohne sein Ergebnis zu melden</translation>
    </message>
    <message>
        <source>passed its soft budget (%1)</source>
        <translation>hat sein weiches Budget überschritten (%1)</translation>
    </message>
    <message>
        <source>ended: %1 (exit code %2)%3</source>
        <translation>beendet: %1 (Exit-Code %2)%3</translation>
    </message>
    <message>
        <source>the container engine stopped answering while it ran</source>
        <translation>der Container-Dienst antwortete während des Laufs nicht mehr</translation>
    </message>
</context>
<context>
    <name>paddock::PersonaSockets</name>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Check that your runtime folder ($XDG_RUNTIME_DIR) exists and belongs to you.</source>
        <translation>Prüfen Sie, ob Ihr Laufzeitordner ($XDG_RUNTIME_DIR) existiert und Ihnen gehört.</translation>
    </message>
    <message>
        <source>cannot make the persona&apos;s socket folder</source>
        <translation>der Socket-Ordner der Persona kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>the persona&apos;s socket folder is not a folder</source>
        <translation>der Socket-Ordner der Persona ist kein Ordner</translation>
    </message>
    <message>
        <source>cannot hand the socket folder to the container&apos;s user</source>
        <translation>der Socket-Ordner kann dem Benutzer des Containers nicht übergeben werden</translation>
    </message>
    <message>
        <source>cannot set the socket folder&apos;s permissions</source>
        <translation>die Zugriffsrechte des Socket-Ordners können nicht gesetzt werden</translation>
    </message>
</context>
<context>
    <name>paddock::PersonaStore</name>
    <message>
        <source>Paddock uses its default personas and will not save changes to them until the file is fixed or removed (the previous version, if any, is %1).</source>
        <translation>Paddock verwendet seine vorgegebenen Personas und speichert keine Änderungen daran, bis die Datei korrigiert oder entfernt ist (die vorherige Fassung, falls vorhanden, ist %1).</translation>
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
        <source>written by a newer Paddock (personas version %1; this Paddock reads up to %2)</source>
        <translation>von einem neueren Paddock geschrieben (Personas-Version %1; dieses Paddock liest bis %2)</translation>
    </message>
    <message>
        <source>&quot;personas&quot; must be a list</source>
        <translation>„personas“ muss eine Liste sein</translation>
    </message>
    <message>
        <source>each persona must be an object</source>
        <translation>jede Persona muss ein Objekt sein</translation>
    </message>
    <message>
        <source>persona %1 has no &quot;%2&quot;</source>
        <translation>Persona %1 hat kein „%2“</translation>
    </message>
    <message>
        <source>&quot;%1&quot; must be a string</source>
        <translation>„%1“ muss eine Zeichenkette sein</translation>
    </message>
    <message>
        <source>unknown trust level &quot;%1&quot;; use full, moderate or restricted</source>
        <translation>unbekannte Vertrauensstufe „%1“; verwenden Sie full, moderate oder restricted</translation>
    </message>
    <message>
        <source>&quot;deployKey&quot; must be true or false</source>
        <translation>„deployKey“ muss true oder false sein</translation>
    </message>
    <message>
        <source>&quot;entrypoint&quot; must be a list of strings</source>
        <translation>„entrypoint“ muss eine Liste von Zeichenketten sein</translation>
    </message>
    <message>
        <source>&quot;ports&quot; must be a list</source>
        <translation>„ports“ muss eine Liste sein</translation>
    </message>
    <message>
        <source>each port must be {&quot;host&quot;: N, &quot;container&quot;: N} with whole numbers from 1 to 65535</source>
        <translation>jeder Port muss {&quot;host&quot;: N, &quot;container&quot;: N} mit ganzen Zahlen von 1 bis 65535 sein</translation>
    </message>
    <message>
        <source>&quot;volumes&quot; must be a list</source>
        <translation>„volumes“ muss eine Liste sein</translation>
    </message>
    <message>
        <source>each volume must be {&quot;name&quot;: &quot;…&quot;, &quot;target&quot;: &quot;/path&quot;}</source>
        <translation>jedes Volume muss {&quot;name&quot;: &quot;…&quot;, &quot;target&quot;: &quot;/pfad&quot;} sein</translation>
    </message>
    <message>
        <source>&quot;limits&quot; must be an object</source>
        <translation>„limits“ muss ein Objekt sein</translation>
    </message>
    <message>
        <source>the limits must be numbers from 0 to 1000000000</source>
        <translation>die Grenzen müssen Zahlen von 0 bis 1000000000 sein</translation>
    </message>
    <message>
        <source>&quot;relaxed&quot; must be an object</source>
        <translation>„relaxed“ muss ein Objekt sein</translation>
    </message>
    <message>
        <source>&quot;relaxed&quot; holds writableRoot and rootUser (true or false) and capabilities (a list of names)</source>
        <translation>„relaxed“ enthält writableRoot und rootUser (true oder false) und capabilities (eine Liste von Namen)</translation>
    </message>
    <message>
        <source>&quot;auditFailMode&quot; must be &quot;closed&quot; or &quot;open&quot;</source>
        <translation>„auditFailMode“ muss „closed“ oder „open“ sein</translation>
    </message>
    <message>
        <source>Correct the persona and save again.</source>
        <translation>Korrigieren Sie die Persona und speichern Sie erneut.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a persona name: use lower-case letters, digits and dashes, starting with a letter, at most 31</source>
        <translation>„%1“ ist kein Persona-Name: verwenden Sie Kleinbuchstaben, Ziffern und Bindestriche, beginnend mit einem Buchstaben, höchstens 31</translation>
    </message>
    <message>
        <source>there are two personas named &quot;%1&quot;</source>
        <translation>es gibt zwei Personas namens „%1“</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot; names no image</source>
        <translation>Persona „%1“ nennt kein Abbild</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: port %2 → %3 is out of range (1 to 65535)</source>
        <translation>Persona „%1“: Port %2 → %3 liegt außerhalb des Bereichs (1 bis 65535)</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: port %2 is already published by &quot;%3&quot;</source>
        <translation>Persona „%1“: Port %2 wird bereits von „%3“ veröffentlicht</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: a volume needs a name and an absolute target</source>
        <translation>Persona „%1“: ein Volume braucht einen Namen und ein absolutes Ziel</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: the limits are too small to run an agent (at least 64 MB memory, 16 processes, 64 open files)</source>
        <translation>Persona „%1“: die Grenzen sind zu klein, um einen Agenten auszuführen (mindestens 64 MB Speicher, 16 Prozesse, 64 offene Dateien)</translation>
    </message>
    <message>
        <source>the personas file has an error, so changes are not saved</source>
        <translation>die Personas-Datei enthält einen Fehler, daher werden Änderungen nicht gespeichert</translation>
    </message>
    <message>
        <source>there is no persona &quot;%1&quot;</source>
        <translation>es gibt keine Persona „%1“</translation>
    </message>
    <message>
        <source>&quot;proxy&quot; must be an object</source>
        <translation>„proxy“ muss ein Objekt sein</translation>
    </message>
    <message>
        <source>the proxy limits must be numbers from 0 to 2000000000 (timeouts in milliseconds)</source>
        <translation>die Proxy-Grenzen müssen Zahlen von 0 bis 2000000000 sein (Zeitlimits in Millisekunden)</translation>
    </message>
    <message>
        <source>&quot;policyMode&quot; must be &quot;enforce&quot;, &quot;shadow&quot; or &quot;record&quot;</source>
        <translation>„policyMode“ muss „enforce“, „shadow“ oder „record“ sein</translation>
    </message>
    <message>
        <source>&quot;loopbackPort&quot; must be a port from 1 to 65535, or 0 for none</source>
        <translation>„loopbackPort“ muss ein Port von 1 bis 65535 sein, oder 0 für keinen</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: the proxy&apos;s loopback port %2 is out of range (1 to 65535)</source>
        <translation>Persona „%1“: Der Loopback-Port %2 des Proxys liegt außerhalb des Bereichs (1 bis 65535)</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: port %2 for its proxy is already taken by &quot;%3&quot;</source>
        <translation>Persona „%1“: Port %2 für ihren Proxy ist bereits von „%3“ belegt</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: port %2 is already taken by the proxy of &quot;%3&quot;</source>
        <translation>Persona „%1“: Port %2 ist bereits vom Proxy von „%3“ belegt</translation>
    </message>
    <message>
        <source>persona &quot;%1&quot;: %2</source>
        <translation>Persona „%1“: %2</translation>
    </message>
    <message>
        <source>the %1 agent takes no model</source>
        <translation>der Agent %1 nimmt kein Modell</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a model name (letters, digits and . _ : / @ + -, starting with a letter or digit)</source>
        <translation>„%1“ ist kein Modellname (Buchstaben, Ziffern und . _ : / @ + -, beginnend mit einem Buchstaben oder einer Ziffer)</translation>
    </message>
    <message>
        <source>the %1 agent has no reasoning effort to set</source>
        <translation>der Agent %1 hat keinen einstellbaren Denkaufwand</translation>
    </message>
    <message>
        <source>the effort &quot;%1&quot; is not one of %2</source>
        <translation>der Aufwand „%1“ ist keiner von %2</translation>
    </message>
    <message>
        <source>only opencode has a web UI (&quot;web&quot;)</source>
        <translation>nur opencode hat eine Web-Oberfläche („web“)</translation>
    </message>
    <message>
        <source>opencode&apos;s web UI needs a published port to be served on</source>
        <translation>die Web-Oberfläche von opencode braucht einen veröffentlichten Port</translation>
    </message>
    <message>
        <source>the custom agent needs a command</source>
        <translation>der eigene Agent braucht einen Befehl</translation>
    </message>
    <message>
        <source>only the custom agent takes a command</source>
        <translation>nur der eigene Agent nimmt einen Befehl</translation>
    </message>
    <message>
        <source>&quot;agent&quot; must be an object whose &quot;name&quot; is shell, claude, codex, opencode, copilot or custom</source>
        <translation>„agent“ muss ein Objekt sein, dessen „name“ shell, claude, codex, opencode, copilot oder custom ist</translation>
    </message>
    <message>
        <source>the agent&apos;s &quot;%1&quot; must be a string</source>
        <translation>„%1“ des Agenten muss eine Zeichenkette sein</translation>
    </message>
    <message>
        <source>the agent&apos;s &quot;web&quot; must be true or false</source>
        <translation>„web“ des Agenten muss true oder false sein</translation>
    </message>
    <message>
        <source>the agent&apos;s &quot;command&quot; must be a list of strings</source>
        <translation>„command“ des Agenten muss eine Liste von Zeichenketten sein</translation>
    </message>
    <message>
        <source>the value of %1 must be one line of at most 4096 characters</source>
        <translation>der Wert von %1 muss eine Zeile mit höchstens 4096 Zeichen sein</translation>
    </message>
    <message>
        <source>the agent&apos;s &quot;env&quot; must be an object of strings</source>
        <translation>„env“ des Agenten muss ein Objekt aus Zeichenketten sein</translation>
    </message>
</context>
<context>
    <name>paddock::PersonasPage</name>
    <message>
        <source>start</source>
        <translation>gestartet</translation>
    </message>
    <message>
        <source>stop</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>restart</source>
        <translation>neu gestartet</translation>
    </message>
    <message>
        <source>delete</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>&amp;Retry now</source>
        <translation>&amp;Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Stop &amp;all agents</source>
        <translation>&amp;Alle Agenten anhalten</translation>
    </message>
    <message>
        <source>There are no personas. They are read from personas.json in Paddock&apos;s configuration folder.</source>
        <translation>Es gibt keine Personas. Sie werden aus personas.json im Konfigurationsordner von Paddock gelesen.</translation>
    </message>
    <message>
        <source>Personas</source>
        <translation>Personas</translation>
    </message>
    <message>
        <source>Looking again…</source>
        <translation>Wird erneut gesucht …</translation>
    </message>
    <message>
        <source>No container engine is running, so the personas cannot be started.</source>
        <translation>Es läuft kein Container-Dienst, daher können die Personas nicht gestartet werden.</translation>
    </message>
    <message>
        <source>Paddock keeps trying in the background.</source>
        <translation>Paddock versucht es im Hintergrund weiter.</translation>
    </message>
    <message>
        <source>The persona %1 was deleted.</source>
        <translation>Die Persona %1 wurde gelöscht.</translation>
    </message>
    <message>
        <source>Could not %1 %2: %3</source>
        <translation>%2 konnte nicht %1 werden: %3</translation>
    </message>
    <message>
        <source>The personas were not saved: %1</source>
        <translation>Die Personas wurden nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>Copied to the clipboard: %1</source>
        <translation>In die Zwischenablage kopiert: %1</translation>
    </message>
    <message>
        <source>Duplicate %1</source>
        <translation>%1 duplizieren</translation>
    </message>
    <message>
        <source>Name of the copy (its ports are not copied: set them in Edit):</source>
        <translation>Name der Kopie (ihre Ports werden nicht kopiert: legen Sie sie unter „Bearbeiten“ fest):</translation>
    </message>
    <message>
        <source>Delete persona</source>
        <translation>Persona löschen</translation>
    </message>
    <message>
        <source>Delete the persona &quot;%1&quot;?</source>
        <translation>Die Persona „%1“ löschen?</translation>
    </message>
    <message>
        <source>Its container is removed. Its volumes (its home folder and other data) are kept unless you tick the box below.</source>
        <translation>Ihr Container wird entfernt. Ihre Volumes (ihr Home-Ordner und andere Daten) bleiben erhalten, sofern Sie unten nicht das Kästchen ankreuzen.</translation>
    </message>
    <message>
        <source>Also delete its &amp;volumes</source>
        <translation>Auch ihre &amp;Volumes löschen</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>The agent image %1 cannot be built: no container engine is running.</source>
        <translation>Das Agent-Abbild %1 kann nicht erstellt werden: Es läuft kein Container-Dienst.</translation>
    </message>
    <message>
        <source>The agent image %1 is built.</source>
        <translation>Das Agent-Abbild %1 ist erstellt.</translation>
    </message>
    <message>
        <source>A workspace for %1 is being set up already (from %2): finish or close that dialog first.</source>
        <translation>Für %1 wird bereits ein Arbeitsbereich eingerichtet (aus %2): Schließen Sie diesen Dialog zuerst ab, oder brechen Sie ihn ab.</translation>
    </message>
    <message>
        <source>Cannot open a terminal: the container engine is not known yet.</source>
        <translation>Kein Terminal möglich: der Container-Dienst ist noch nicht bekannt.</translation>
    </message>
    <message>
        <source>Start the engine; Paddock keeps trying in the background.</source>
        <translation>Starten Sie den Dienst; Paddock versucht es im Hintergrund weiter.</translation>
    </message>
    <message>
        <source>Opened a terminal on %1&apos;s session; detach with Ctrl-b d, the agent keeps working.</source>
        <translation>Ein Terminal auf der Sitzung von %1 wurde geöffnet; mit Strg-b d lösen, der Agent arbeitet weiter.</translation>
    </message>
    <message>
        <source>Could not start the terminal &quot;%1&quot;.</source>
        <translation>Das Terminal „%1“ konnte nicht gestartet werden.</translation>
    </message>
    <message>
        <source>Install a terminal emulator (x-terminal-emulator is Debian&apos;s choice of one), or name yours in Preferences (e.g. &quot;konsole -e&quot;).</source>
        <translation>Installieren Sie einen Terminalemulator (x-terminal-emulator ist Debians Wahl eines solchen), oder nennen Sie Ihren in den Einstellungen (z. B. „konsole -e“).</translation>
    </message>
    <message>
        <source>Check the terminal named in Preferences.</source>
        <translation>Prüfen Sie das in den Einstellungen genannte Terminal.</translation>
    </message>
    <message>
        <source>Could not start VS Code (code).</source>
        <translation>VS Code (code) konnte nicht gestartet werden.</translation>
    </message>
    <message>
        <source>%1 is signed in (%2 in the keychain); restart it to use the sign-in.</source>
        <translation>%1 ist angemeldet (%2 im Schlüsselbund); starten Sie es neu, um die Anmeldung zu verwenden.</translation>
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
    <message>
        <source>There is no policy set &quot;%1&quot; (policy %2 cannot be shown).</source>
        <translation>Es gibt keinen Richtliniensatz „%1“ (Richtlinie %2 kann nicht angezeigt werden).</translation>
    </message>
    <message>
        <source>The policy set &quot;%1&quot; has no policy &quot;%2&quot; (any more).</source>
        <translation>Der Richtliniensatz „%1“ enthält keine Richtlinie „%2“ (mehr).</translation>
    </message>
    <message>
        <source>Policy %1 of the set &quot;%2&quot;</source>
        <translation>Richtlinie %1 des Satzes „%2“</translation>
    </message>
    <message>
        <source>There is no policy set &quot;%1&quot; to add the suggested policy to; its persona&apos;s trust level has no set in the policies folder.</source>
        <translation>Es gibt keinen Richtliniensatz „%1“, dem die vorgeschlagene Richtlinie hinzugefügt werden kann; die Vertrauensstufe ihrer Persona hat keinen Satz im Richtlinienordner.</translation>
    </message>
    <message>
        <source>Suggested policy added to &quot;%1&quot; (not saved): review it, then save.</source>
        <translation>Vorgeschlagene Richtlinie zu „%1“ hinzugefügt (nicht gespeichert): Sehen Sie sie durch und speichern Sie dann.</translation>
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
    <name>paddock::PolicySuggestion</name>
    <message numerus="yes">
        <source>// Drafted by Paddock from %n proxy event(s) of the persona %1</source>
        <translation>
            <numerusform>// Von Paddock aus %n Proxy-Ereignis der Persona %1 entworfen</numerusform>
            <numerusform>// Von Paddock aus %n Proxy-Ereignissen der Persona %1 entworfen</numerusform>
        </translation>
    </message>
    <message>
        <source>// observed from %1 to %2 UTC: one permit per host with the ports it used.</source>
        <translation>// beobachtet von %1 bis %2 UTC: eine Erlaubnis pro Host mit den Ports, die er nutzte.</translation>
    </message>
    <message numerus="yes">
        <source>// %n more host(s) were seen but are not listed (at most %1 are).</source>
        <translation>
            <numerusform>// %n weiterer Host wurde gesehen, ist aber nicht aufgeführt (höchstens %1 werden es).</numerusform>
            <numerusform>// %n weitere Hosts wurden gesehen, sind aber nicht aufgeführt (höchstens %1 werden es).</numerusform>
        </translation>
    </message>
    <message>
        <source>// Review every host before saving: remove what the agent should not reach.</source>
        <translation>// Prüfen Sie jeden Host vor dem Speichern: Entfernen Sie, was der Agent nicht erreichen soll.</translation>
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
    <message>
        <source>&amp;Notify me about bursts of denied actions</source>
        <translation>Bei gehäuft verwehrten Aktionen &amp;benachrichtigen</translation>
    </message>
    <message>
        <source>Forever</source>
        <translation>Für immer</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>Unbegrenzt</translation>
    </message>
    <message>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>Audit-Protokoll</translation>
    </message>
    <message>
        <source>Keep events &amp;for:</source>
        <translation>Aufbewahrungs&amp;dauer:</translation>
    </message>
    <message>
        <source>&amp;Largest size:</source>
        <translation>&amp;Maximale Größe:</translation>
    </message>
    <message>
        <source>Stored in:</source>
        <translation>Gespeichert in:</translation>
    </message>
    <message>
        <source>The oldest events beyond these limits are removed when you press OK, and then every hour.</source>
        <translation>Die ältesten Ereignisse jenseits dieser Grenzen werden entfernt, wenn Sie OK drücken, und danach stündlich.</translation>
    </message>
    <message>
        <source>Terminal</source>
        <translation>Terminal</translation>
    </message>
    <message>
        <source>&amp;Terminal emulator:</source>
        <translation>&amp;Terminalemulator:</translation>
    </message>
    <message>
        <source>The program and the options that come before the command it runs, e.g. &quot;konsole -e&quot;, &quot;gnome-terminal --&quot; or &quot;kitty&quot;. Empty: the desktop&apos;s x-terminal-emulator.</source>
        <translation>Das Programm und die Optionen vor dem Befehl, den es ausführt, z. B. „konsole -e“, „gnome-terminal --“ oder „kitty“. Leer: der x-terminal-emulator der Arbeitsumgebung.</translation>
    </message>
</context>
<context>
    <name>paddock::RepositoryProbe</name>
    <message numerus="yes">
        <source>%n uncommitted change(s) in %1 are not copied: the workspace starts from the last commit. Commit them first if the agent should see them.</source>
        <translation>
            <numerusform>%n nicht committete Änderung in %1 wird nicht kopiert: Der Arbeitsbereich beginnt beim letzten Commit. Committen Sie sie zuerst, wenn der Agent sie sehen soll.</numerusform>
            <numerusform>%n nicht committete Änderungen in %1 werden nicht kopiert: Der Arbeitsbereich beginnt beim letzten Commit. Committen Sie sie zuerst, wenn der Agent sie sehen soll.</numerusform>
        </translation>
    </message>
    <message>
        <source>The repository uses Git LFS: large files arrive as LFS pointer files, not their contents (the agent&apos;s container cannot fetch them).</source>
        <translation>Das Repository verwendet Git LFS: Große Dateien kommen als LFS-Zeigerdateien an, nicht mit ihrem Inhalt (der Container des Agenten kann sie nicht abrufen).</translation>
    </message>
    <message>
        <source>The repository is a shallow clone: the workspace has only the history it has.</source>
        <translation>Das Repository ist ein flacher Klon (shallow clone): Der Arbeitsbereich hat nur die Historie, die es hat.</translation>
    </message>
    <message>
        <source>there is nothing at this path</source>
        <translation>unter diesem Pfad gibt es nichts</translation>
    </message>
    <message>
        <source>Drop a folder that holds a git repository.</source>
        <translation>Legen Sie einen Ordner ab, der ein Git-Repository enthält.</translation>
    </message>
    <message>
        <source>this is a file, not a repository</source>
        <translation>dies ist eine Datei, kein Repository</translation>
    </message>
    <message>
        <source>Drop the repository&apos;s folder (a git work tree or a bare repository).</source>
        <translation>Legen Sie den Ordner des Repositorys ab (einen Git-Arbeitsbaum oder ein Bare-Repository).</translation>
    </message>
    <message>
        <source>this folder is inside the repository %1</source>
        <translation>dieser Ordner liegt im Repository %1</translation>
    </message>
    <message>
        <source>Drop the repository&apos;s top folder, %1, instead.</source>
        <translation>Legen Sie stattdessen den obersten Ordner des Repositorys ab, %1.</translation>
    </message>
    <message>
        <source>this folder is not a git repository</source>
        <translation>dieser Ordner ist kein Git-Repository</translation>
    </message>
    <message>
        <source>Only git work trees and bare repositories can become workspaces; run git init there first if it should be one.</source>
        <translation>Nur Git-Arbeitsbäume und Bare-Repositorys können zu Arbeitsbereichen werden; führen Sie dort zuerst git init aus, wenn er einer werden soll.</translation>
    </message>
    <message>
        <source>the repository has no commits yet</source>
        <translation>das Repository hat noch keine Commits</translation>
    </message>
    <message>
        <source>Make a first commit; a workspace starts from a commit.</source>
        <translation>Erstellen Sie einen ersten Commit; ein Arbeitsbereich beginnt bei einem Commit.</translation>
    </message>
    <message>
        <source>cannot read HEAD: %1</source>
        <translation>HEAD kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Check the repository with git status.</source>
        <translation>Prüfen Sie das Repository mit git status.</translation>
    </message>
    <message>
        <source>HEAD does not name a commit: %1</source>
        <translation>HEAD nennt keinen Commit: %1</translation>
    </message>
    <message>
        <source>cannot read the status: %1</source>
        <translation>der Status kann nicht gelesen werden: %1</translation>
    </message>
</context>
<context>
    <name>paddock::RequestParser</name>
    <message>
        <source>the request head is over %1 KiB</source>
        <translation>der Kopf der Anfrage ist größer als %1 KiB</translation>
    </message>
    <message>
        <source>malformed request: %1</source>
        <translation>fehlerhafte Anfrage: %1</translation>
    </message>
    <message>
        <source>more than one Host header</source>
        <translation>mehr als eine Host-Kopfzeile</translation>
    </message>
    <message>
        <source>CONNECT needs host:port</source>
        <translation>CONNECT braucht Host:Port</translation>
    </message>
    <message>
        <source>CONNECT to a malformed authority</source>
        <translation>CONNECT zu einer fehlerhaften Adresse</translation>
    </message>
    <message>
        <source>the Host header disagrees with the CONNECT target</source>
        <translation>die Host-Kopfzeile widerspricht dem CONNECT-Ziel</translation>
    </message>
    <message>
        <source>a forward proxy takes http://host/path targets (use CONNECT for HTTPS)</source>
        <translation>ein Weiterleitungs-Proxy nimmt Ziele der Form http://host/pfad an (für HTTPS CONNECT verwenden)</translation>
    </message>
    <message>
        <source>the target&apos;s authority is malformed</source>
        <translation>die Adresse des Ziels ist fehlerhaft</translation>
    </message>
    <message>
        <source>a fragment in the request target</source>
        <translation>ein Fragment im Ziel der Anfrage</translation>
    </message>
    <message>
        <source>the Host header disagrees with the request target</source>
        <translation>die Host-Kopfzeile widerspricht dem Ziel der Anfrage</translation>
    </message>
</context>
<context>
    <name>paddock::Resolver</name>
    <message>
        <source>%1 has no address</source>
        <translation>%1 hat keine Adresse</translation>
    </message>
    <message>
        <source>%1 could not be resolved: %2</source>
        <translation>%1 konnte nicht aufgelöst werden: %2</translation>
    </message>
    <message>
        <source>the proxy&apos;s resolver cannot start: %1</source>
        <translation>die Namensauflösung des Proxys kann nicht starten: %1</translation>
    </message>
    <message>
        <source>the proxy&apos;s resolver is not running</source>
        <translation>die Namensauflösung des Proxys läuft nicht</translation>
    </message>
</context>
<context>
    <name>paddock::Run</name>
    <message>
        <source>queued</source>
        <translation>in der Warteschlange</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>erfolgreich</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>Zeitlimit überschritten</translation>
    </message>
    <message>
        <source>stopped at its budget</source>
        <translation>am Budget angehalten</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>übersprungen</translation>
    </message>
    <message>
        <source>missed</source>
        <translation>verpasst</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>unterbrochen</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
</context>
<context>
    <name>paddock::RunDetailsDialog</name>
    <message>
        <source>&amp;Cancel run</source>
        <translation>Lauf a&amp;bbrechen</translation>
    </message>
    <message>
        <source>%1 — run %2</source>
        <translation>%1 — Lauf %2</translation>
    </message>
    <message>
        <source>Job:</source>
        <translation>Job:</translation>
    </message>
    <message>
        <source>Trigger:</source>
        <translation>Auslöser:</translation>
    </message>
    <message>
        <source>Scheduled for:</source>
        <translation>Geplant für:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Gestartet:</translation>
    </message>
    <message>
        <source>Ended:</source>
        <translation>Beendet:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Exit code:</source>
        <translation>Exit-Code:</translation>
    </message>
    <message>
        <source>Tokens:</source>
        <translation>Tokens:</translation>
    </message>
    <message>
        <source>Cost:</source>
        <translation>Kosten:</translation>
    </message>
    <message>
        <source>Container:</source>
        <translation>Container:</translation>
    </message>
    <message>
        <source>Workspace:</source>
        <translation>Arbeitsbereich:</translation>
    </message>
    <message>
        <source>Result:</source>
        <translation>Ergebnis:</translation>
    </message>
    <message>
        <source>&amp;Reload log</source>
        <translation>Protokoll &amp;neu laden</translation>
    </message>
    <message>
        <source>The end of its log:</source>
        <translation>Das Ende seines Protokolls:</translation>
    </message>
    <message>
        <source>%1, attempt %2</source>
        <translation>%1, Versuch %2</translation>
    </message>
    <message numerus="yes">
        <source>%n slot(s) from %1 to %2</source>
        <translation>
            <numerusform>%n Termin von %1 bis %2</numerusform>
            <numerusform>%n Termine von %1 bis %2</numerusform>
        </translation>
    </message>
    <message>
        <source>did not start</source>
        <translation>nicht gestartet</translation>
    </message>
    <message>
        <source>%1 (took %2)</source>
        <translation>%1 (Dauer %2)</translation>
    </message>
    <message>
        <source>The run&apos;s log cannot be read: no scheduler.</source>
        <translation>Das Protokoll des Laufs kann nicht gelesen werden: kein Zeitplaner.</translation>
    </message>
    <message>
        <source>Reading the log…</source>
        <translation>Das Protokoll wird gelesen …</translation>
    </message>
    <message>
        <source>This run left no log.</source>
        <translation>Dieser Lauf hat kein Protokoll hinterlassen.</translation>
    </message>
    <message>
        <source>[… the beginning is left out: only the last %L1 KiB are shown]
</source>
        <translation>[… der Anfang ist ausgelassen: nur die letzten %L1 KiB werden angezeigt]
</translation>
    </message>
</context>
<context>
    <name>paddock::RunStore</name>
    <message>
        <source>cannot make the folder of the run history</source>
        <translation>der Ordner für den Verlauf der Läufe kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Check that it can be written.</source>
        <translation>Prüfen Sie, ob er beschreibbar ist.</translation>
    </message>
    <message>
        <source>cannot open the run history: %1</source>
        <translation>der Verlauf der Läufe kann nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>the run history is of a newer Paddock (format %1; this one reads %2)</source>
        <translation>der Verlauf der Läufe stammt von einem neueren Paddock (Format %1; dieses liest %2)</translation>
    </message>
    <message>
        <source>Use the newer Paddock, or move the file away to start a new history.</source>
        <translation>Verwenden Sie das neuere Paddock, oder verschieben Sie die Datei, um einen neuen Verlauf zu beginnen.</translation>
    </message>
    <message>
        <source>cannot record a run</source>
        <translation>ein Lauf kann nicht aufgezeichnet werden</translation>
    </message>
    <message>
        <source>cannot read the run history</source>
        <translation>der Verlauf der Läufe kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>cannot record a job&apos;s state</source>
        <translation>der Zustand eines Jobs kann nicht aufgezeichnet werden</translation>
    </message>
</context>
<context>
    <name>paddock::RunText</name>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 T %2 h</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>none reported</source>
        <translation>keine gemeldet</translation>
    </message>
    <message>
        <source>%L1 (in %L2, out %L3, cache %L4)</source>
        <translation>%L1 (Eingabe %L2, Ausgabe %L3, Cache %L4)</translation>
    </message>
    <message>
        <source>US$%L1</source>
        <translation>%L1 US$</translation>
    </message>
    <message>
        <source>not reported</source>
        <translation>nicht gemeldet</translation>
    </message>
    <message>
        <source>on schedule</source>
        <translation>nach Zeitplan</translation>
    </message>
    <message>
        <source>caught up after it was missed</source>
        <translation>nachgeholt, nachdem er verpasst wurde</translation>
    </message>
    <message>
        <source>run now</source>
        <translation>„Jetzt ausführen“</translation>
    </message>
    <message>
        <source>on start</source>
        <translation>beim Start</translation>
    </message>
    <message>
        <source>%1 — run %2 (%3)</source>
        <translation>%1 — Lauf %2 (%3)</translation>
    </message>
    <message>
        <source>Missed:</source>
        <translation>Verpasst:</translation>
    </message>
    <message numerus="yes">
        <source>%n slot(s)</source>
        <translation>
            <numerusform>%n Termin</numerusform>
            <numerusform>%n Termine</numerusform>
        </translation>
    </message>
    <message>
        <source>From:</source>
        <translation>Von:</translation>
    </message>
    <message>
        <source>To:</source>
        <translation>Bis:</translation>
    </message>
    <message>
        <source>Scheduled:</source>
        <translation>Geplant:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Gestartet:</translation>
    </message>
    <message>
        <source>Ended:</source>
        <translation>Beendet:</translation>
    </message>
    <message>
        <source>%1 (took %2)</source>
        <translation>%1 (Dauer %2)</translation>
    </message>
    <message>
        <source>Running for:</source>
        <translation>Läuft seit:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Exit code:</source>
        <translation>Exit-Code:</translation>
    </message>
    <message>
        <source>Attempt:</source>
        <translation>Versuch:</translation>
    </message>
    <message>
        <source>Tokens:</source>
        <translation>Tokens:</translation>
    </message>
    <message>
        <source>Cost:</source>
        <translation>Kosten:</translation>
    </message>
</context>
<context>
    <name>paddock::Scheduler</name>
    <message>
        <source>Paddock stopped while it ran</source>
        <translation>Paddock wurde während des Laufs beendet</translation>
    </message>
    <message>
        <source>Paddock stopped before it ran</source>
        <translation>Paddock wurde vor dem Lauf beendet</translation>
    </message>
    <message>
        <source>the job was removed</source>
        <translation>der Job wurde entfernt</translation>
    </message>
    <message>
        <source>the job was disabled</source>
        <translation>der Job wurde deaktiviert</translation>
    </message>
    <message>
        <source>Paddock was not running</source>
        <translation>Paddock lief nicht</translation>
    </message>
    <message>
        <source>the computer was asleep</source>
        <translation>der Computer war im Ruhezustand</translation>
    </message>
    <message>
        <source>the system clock was changed</source>
        <translation>die Systemuhr wurde verstellt</translation>
    </message>
    <message>
        <source>Paddock was too busy to start it on time</source>
        <translation>Paddock war zu beschäftigt, um ihn rechtzeitig zu starten</translation>
    </message>
    <message numerus="yes">
        <source>more than %n minute(s) late (its maximum lateness)</source>
        <translation>
            <numerusform>mehr als %n Minute zu spät (seine maximale Verspätung)</numerusform>
            <numerusform>mehr als %n Minuten zu spät (seine maximale Verspätung)</numerusform>
        </translation>
    </message>
    <message>
        <source>its catch-up rule is skip</source>
        <translation>seine Nachholregel ist skip</translation>
    </message>
    <message numerus="yes">
        <source>over its catch-up limit of %n run(s)</source>
        <translation>
            <numerusform>über seiner Nachholgrenze von %n Lauf</numerusform>
            <numerusform>über seiner Nachholgrenze von %n Läufen</numerusform>
        </translation>
    </message>
    <message>
        <source>caught up by the run for %1</source>
        <translation>nachgeholt durch den Lauf für %1</translation>
    </message>
    <message>
        <source>still running (run %1)</source>
        <translation>läuft noch (Lauf %1)</translation>
    </message>
    <message>
        <source>an earlier run is still waiting to start</source>
        <translation>ein früherer Lauf wartet noch auf seinen Start</translation>
    </message>
    <message>
        <source>replaced by the run for %1</source>
        <translation>ersetzt durch den Lauf für %1</translation>
    </message>
    <message numerus="yes">
        <source>waited for a free place longer than its maximum lateness (%n minute(s))</source>
        <translation>
            <numerusform>hat länger als seine maximale Verspätung (%n Minute) auf einen freien Platz gewartet</numerusform>
            <numerusform>hat länger als seine maximale Verspätung (%n Minuten) auf einen freien Platz gewartet</numerusform>
        </translation>
    </message>
    <message>
        <source>there is no job &quot;%1&quot;</source>
        <translation>es gibt keinen Job „%1“</translation>
    </message>
    <message>
        <source>See the job list for the names.</source>
        <translation>Die Namen stehen in der Job-Liste.</translation>
    </message>
    <message>
        <source>job &quot;%1&quot; is already running or waiting to run</source>
        <translation>Job „%1“ läuft bereits oder wartet auf seine Ausführung</translation>
    </message>
    <message>
        <source>Wait for it to end, or cancel it first.</source>
        <translation>Warten Sie, bis er endet, oder brechen Sie ihn zuerst ab.</translation>
    </message>
    <message>
        <source>cancelled by you</source>
        <translation>von Ihnen abgebrochen</translation>
    </message>
    <message>
        <source>attempt %1 failed: %2; trying again at %3</source>
        <translation>Versuch %1 fehlgeschlagen: %2; neuer Versuch um %3</translation>
    </message>
    <message numerus="yes">
        <source>disabled after %n failure(s) in a row; the last (run %1): %2</source>
        <translation>
            <numerusform>nach %n Fehlschlag in Folge deaktiviert; der letzte (Lauf %1): %2</numerusform>
            <numerusform>nach %n Fehlschlägen in Folge deaktiviert; der letzte (Lauf %1): %2</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>paddock::SchedulerService</name>
    <message>
        <source>nothing can run jobs</source>
        <translation>nichts kann Jobs ausführen</translation>
    </message>
    <message>
        <source>other Paddock windows cannot follow the jobs: %1</source>
        <translation>andere Paddock-Fenster können den Jobs nicht folgen: %1</translation>
    </message>
    <message>
        <source>run %1 is neither waiting nor running</source>
        <translation>Lauf %1 wartet nicht und läuft nicht</translation>
    </message>
    <message>
        <source>paused by you</source>
        <translation>von Ihnen angehalten</translation>
    </message>
    <message>
        <source>the Paddock that runs the jobs does not answer</source>
        <translation>das Paddock, das die Jobs ausführt, antwortet nicht</translation>
    </message>
    <message>
        <source>Try again in a moment.</source>
        <translation>Versuchen Sie es gleich noch einmal.</translation>
    </message>
    <message>
        <source>the run history is not open</source>
        <translation>der Verlauf der Läufe ist nicht geöffnet</translation>
    </message>
    <message>
        <source>run %1 left no log</source>
        <translation>Lauf %1 hat kein Protokoll hinterlassen</translation>
    </message>
</context>
<context>
    <name>paddock::SecretDelivery</name>
    <message>
        <source>cannot deliver secrets to container %1: it is not running</source>
        <translation>Geheimnisse können nicht an den Container %1 übergeben werden: er läuft nicht</translation>
    </message>
    <message>
        <source>Start the container first; its secrets folder is a tmpfs that exists only while it runs.</source>
        <translation>Starten Sie zuerst den Container; sein Ordner für Geheimnisse ist ein tmpfs, das nur existiert, solange er läuft.</translation>
    </message>
    <message>
        <source>cannot write a secret: %1</source>
        <translation>ein Geheimnis kann nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>Check that your runtime folder ($XDG_RUNTIME_DIR) is writable.</source>
        <translation>Prüfen Sie, ob Ihr Laufzeitordner ($XDG_RUNTIME_DIR) beschreibbar ist.</translation>
    </message>
</context>
<context>
    <name>paddock::SecretEditDialog</name>
    <message>
        <source>&amp;Load from file…</source>
        <translation>Aus &amp;Datei laden …</translation>
    </message>
    <message>
        <source>&amp;Generate SSH key</source>
        <translation>SSH-Schlüssel &amp;erzeugen</translation>
    </message>
    <message>
        <source>&amp;Copy public key</source>
        <translation>Öffentlichen Schlüssel &amp;kopieren</translation>
    </message>
    <message>
        <source>Add secret</source>
        <translation>Geheimnis hinzufügen</translation>
    </message>
    <message>
        <source>for example openai-api-key</source>
        <translation>zum Beispiel openai-api-key</translation>
    </message>
    <message>
        <source>(shared: no persona)</source>
        <translation>(gemeinsam: keine Persona)</translation>
    </message>
    <message>
        <source>paste or type the value</source>
        <translation>Wert einfügen oder eingeben</translation>
    </message>
    <message>
        <source>as its deploy key (one repository)</source>
        <translation>als ihr Deploy-Schlüssel (ein Repository)</translation>
    </message>
    <message>
        <source>as its account key (all your repositories)</source>
        <translation>als ihr Kontoschlüssel (alle Ihre Repositorys)</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>&amp;Art:</translation>
    </message>
    <message>
        <source>&amp;Persona:</source>
        <translation>&amp;Persona:</translation>
    </message>
    <message>
        <source>&amp;Value:</source>
        <translation>&amp;Wert:</translation>
    </message>
    <message>
        <source>Public key:</source>
        <translation>Öffentlicher Schlüssel:</translation>
    </message>
    <message>
        <source>The value goes to the desktop&apos;s keyring. Paddock lists the secret by name and does not show the value again unless you ask to reveal it.</source>
        <translation>Der Wert kommt in den Schlüsselbund der Arbeitsumgebung. Paddock führt das Geheimnis mit seinem Namen auf und zeigt den Wert nicht wieder an, es sei denn, Sie lassen ihn sich ausdrücklich anzeigen.</translation>
    </message>
    <message>
        <source>A secret named %1 exists already. Remove it first to replace it.</source>
        <translation>Ein Geheimnis namens %1 existiert bereits. Entfernen Sie es zuerst, um es zu ersetzen.</translation>
    </message>
    <message>
        <source>This is not an SSH private key: it should begin with -----BEGIN OPENSSH PRIVATE KEY----- (or another PRIVATE KEY header). Load the key file itself, not the .pub file.</source>
        <translation>Dies ist kein privater SSH-Schlüssel: Er sollte mit -----BEGIN OPENSSH PRIVATE KEY----- (oder einer anderen Kopfzeile mit PRIVATE KEY) beginnen. Laden Sie die Schlüsseldatei selbst, nicht die .pub-Datei.</translation>
    </message>
    <message>
        <source>&amp;Use it as %1&apos;s SSH key</source>
        <translation>Als SSH-Schlüssel von %1 &amp;verwenden</translation>
    </message>
    <message>
        <source>&amp;Use it as the persona&apos;s SSH key</source>
        <translation>Als SSH-Schlüssel der Persona &amp;verwenden</translation>
    </message>
    <message>
        <source>Load secret from file</source>
        <translation>Geheimnis aus Datei laden</translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation>%1 wird gelesen …</translation>
    </message>
    <message numerus="yes">
        <source>The value is the content of %1 (%n byte(s)).</source>
        <translation>
            <numerusform>Der Wert ist der Inhalt von %1 (%n Byte).</numerusform>
            <numerusform>Der Wert ist der Inhalt von %1 (%n Byte).</numerusform>
        </translation>
    </message>
    <message>
        <source>A new ed25519 key. Add its public key to the repository (as a deploy key) or to your account before the persona uses it.</source>
        <translation>Ein neuer ed25519-Schlüssel. Fügen Sie seinen öffentlichen Schlüssel dem Repository (als Deploy-Schlüssel) oder Ihrem Konto hinzu, bevor die Persona ihn verwendet.</translation>
    </message>
</context>
<context>
    <name>paddock::SecretRevealDialog</name>
    <message>
        <source>Secret %1</source>
        <translation>Geheimnis %1</translation>
    </message>
    <message>
        <source>The value of %1 is not text; shown here in base64:</source>
        <translation>Der Wert von %1 ist kein Text; hier in Base64 angezeigt:</translation>
    </message>
    <message>
        <source>The value of %1:</source>
        <translation>Der Wert von %1:</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
</context>
<context>
    <name>paddock::SecretStore</name>
    <message>
        <source>&quot;%1&quot; is not a valid secret name</source>
        <translation>„%1“ ist kein gültiger Name für ein Geheimnis</translation>
    </message>
    <message>
        <source>Use 1 to 64 characters: lower-case letters, digits, &apos;.&apos;, &apos;_&apos; and &apos;-&apos;, starting with a letter or a digit.</source>
        <translation>Verwenden Sie 1 bis 64 Zeichen: Kleinbuchstaben, Ziffern, „.“, „_“ und „-“, beginnend mit einem Buchstaben oder einer Ziffer.</translation>
    </message>
    <message>
        <source>Paddock lists no secrets and will not change the list until the file is fixed or removed (the previous version, if any, is %1); the secrets themselves stay in the Secret Service.</source>
        <translation>Paddock listet keine Geheimnisse auf und ändert die Liste nicht, bis die Datei berichtigt oder entfernt ist (die vorherige Fassung, falls vorhanden, ist %1); die Geheimnisse selbst bleiben im Secret Service.</translation>
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
        <source>written by a newer Paddock (secrets version %1; this Paddock reads up to %2)</source>
        <translation>von einem neueren Paddock geschrieben (Geheimnisse-Version %1; dieses Paddock liest bis %2)</translation>
    </message>
    <message>
        <source>&quot;secrets&quot; must be a list</source>
        <translation>„secrets“ muss eine Liste sein</translation>
    </message>
    <message>
        <source>each secret must be an object</source>
        <translation>jedes Geheimnis muss ein Objekt sein</translation>
    </message>
    <message>
        <source>the secret %1 is listed twice</source>
        <translation>das Geheimnis %1 ist doppelt aufgeführt</translation>
    </message>
    <message>
        <source>secret %1 has an unknown kind; use api-key, ssh-private-key, ssh-authorized-keys or other</source>
        <translation>Geheimnis %1 hat eine unbekannte Art; verwenden Sie api-key, ssh-private-key, ssh-authorized-keys oder other</translation>
    </message>
    <message>
        <source>cannot store the secret %1 in the Secret Service: %2</source>
        <translation>das Geheimnis %1 kann nicht im Secret Service gespeichert werden: %2</translation>
    </message>
    <message>
        <source>cannot read the secret %1 from the Secret Service: %2</source>
        <translation>das Geheimnis %1 kann nicht aus dem Secret Service gelesen werden: %2</translation>
    </message>
    <message>
        <source>cannot remove the secret %1 from the Secret Service: %2</source>
        <translation>das Geheimnis %1 kann nicht aus dem Secret Service entfernt werden: %2</translation>
    </message>
    <message>
        <source>Allow Paddock to use the keyring when it asks, then try again.</source>
        <translation>Erlauben Sie Paddock die Verwendung des Schlüsselbunds, wenn danach gefragt wird, und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>Make sure a keyring (GNOME Keyring, KWallet) is running and unlocked, then try again.</source>
        <translation>Stellen Sie sicher, dass ein Schlüsselbund (GNOME Keyring, KWallet) läuft und entsperrt ist, und versuchen Sie es dann erneut.</translation>
    </message>
</context>
<context>
    <name>paddock::SecretStoreThread</name>
    <message>
        <source>cannot read the file: %1</source>
        <translation>die Datei kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Choose a file you can read.</source>
        <translation>Wählen Sie eine Datei, die Sie lesen dürfen.</translation>
    </message>
    <message>
        <source>the file is larger than %1 bytes, more than a key or token would be</source>
        <translation>die Datei ist größer als %1 Byte, also größer als ein Schlüssel oder Token</translation>
    </message>
    <message>
        <source>Choose the key file itself (for example ~/.ssh/id_ed25519).</source>
        <translation>Wählen Sie die Schlüsseldatei selbst (zum Beispiel ~/.ssh/id_ed25519).</translation>
    </message>
</context>
<context>
    <name>paddock::SecretsPage</name>
    <message>
        <source>Read &amp;again</source>
        <translation>Erneut &amp;lesen</translation>
    </message>
    <message>
        <source>&amp;Dismiss</source>
        <translation>Aus&amp;blenden</translation>
    </message>
    <message>
        <source>No secrets yet. Add an API key or an SSH key for your personas; the values are kept in the desktop&apos;s keyring, never in a file.</source>
        <translation>Noch keine Geheimnisse. Fügen Sie einen API-Schlüssel oder einen SSH-Schlüssel für Ihre Personas hinzu; die Werte werden im Schlüsselbund der Arbeitsumgebung aufbewahrt, nie in einer Datei.</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>Hin&amp;zufügen …</translation>
    </message>
    <message>
        <source>&amp;Reveal…</source>
        <translation>&amp;Anzeigen …</translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation>&amp;Entfernen …</translation>
    </message>
    <message>
        <source>Secrets</source>
        <translation>Geheimnisse</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Persona</source>
        <translation>Persona</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>SSH private key</source>
        <translation>Privater SSH-Schlüssel</translation>
    </message>
    <message>
        <source>SSH authorized keys</source>
        <translation>Autorisierte SSH-Schlüssel</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Sonstiges</translation>
    </message>
    <message>
        <source>The SSH key of %1</source>
        <translation>Der SSH-Schlüssel von %1</translation>
    </message>
    <message>
        <source>(shared)</source>
        <translation>(gemeinsam)</translation>
    </message>
    <message>
        <source>Stored the secret %1.</source>
        <translation>Das Geheimnis %1 wurde gespeichert.</translation>
    </message>
    <message>
        <source>Stored the secret %1 in the keyring.</source>
        <translation>Das Geheimnis %1 wurde im Schlüsselbund gespeichert.</translation>
    </message>
    <message>
        <source>%1 uses it as its deploy key from its next start.</source>
        <translation>%1 verwendet es ab dem nächsten Start als Deploy-Schlüssel.</translation>
    </message>
    <message>
        <source>%1 uses it as its account key from its next start.</source>
        <translation>%1 verwendet es ab dem nächsten Start als Kontoschlüssel.</translation>
    </message>
    <message>
        <source>Reveal secret</source>
        <translation>Geheimnis anzeigen</translation>
    </message>
    <message>
        <source>Show the value of %1 on screen?</source>
        <translation>Den Wert von %1 auf dem Bildschirm anzeigen?</translation>
    </message>
    <message>
        <source>Anyone who can see your screen can read it. It is hidden again when you close the window that shows it.</source>
        <translation>Wer Ihren Bildschirm sehen kann, kann ihn lesen. Er wird wieder verborgen, wenn Sie das Fenster schließen, das ihn anzeigt.</translation>
    </message>
    <message>
        <source>&amp;Reveal</source>
        <translation>&amp;Anzeigen</translation>
    </message>
    <message>
        <source>The keyring holds no value for %1, though Paddock&apos;s list names it (the keyring was reset, or another program removed it). Remove it here and add it again.</source>
        <translation>Der Schlüsselbund enthält keinen Wert für %1, obwohl die Liste von Paddock dieses Geheimnis aufführt (der Schlüsselbund wurde zurückgesetzt, oder ein anderes Programm hat den Wert entfernt). Entfernen Sie das Geheimnis hier und fügen Sie es erneut hinzu.</translation>
    </message>
    <message>
        <source>Remove secret</source>
        <translation>Geheimnis entfernen</translation>
    </message>
    <message>
        <source>Remove the secret %1 from the keyring?</source>
        <translation>Das Geheimnis %1 aus dem Schlüsselbund entfernen?</translation>
    </message>
    <message>
        <source>Its value cannot be brought back.</source>
        <translation>Sein Wert lässt sich nicht wiederherstellen.</translation>
    </message>
    <message>
        <source>Its value cannot be brought back. %1 use it as their SSH key and will start without one.</source>
        <translation>Sein Wert lässt sich nicht wiederherstellen. Es dient %1 als SSH-Schlüssel, der dann beim Start fehlt.</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Entfernen</translation>
    </message>
    <message>
        <source>Removed the secret %1.</source>
        <translation>Das Geheimnis %1 wurde entfernt.</translation>
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
    <message>
        <source>a whole number from 0 to 1000000000</source>
        <translation>eine ganze Zahl von 0 bis 1000000000</translation>
    </message>
</context>
<context>
    <name>paddock::SignIn</name>
    <message>
        <source>Claude Code did not show a token: the sign-in was not finished</source>
        <translation>Claude Code hat kein Token angezeigt: die Anmeldung wurde nicht abgeschlossen</translation>
    </message>
    <message>
        <source>Sign in again and follow it to the end, where it shows &quot;Long-lived authentication token created&quot;.</source>
        <translation>Melden Sie sich erneut an und folgen Sie der Anmeldung bis zum Ende, wo „Long-lived authentication token created“ erscheint.</translation>
    </message>
    <message>
        <source>Claude Code&apos;s screen has no token after &quot;%1&quot;</source>
        <translation>Claude Codes Bildschirm zeigt nach „%1“ kein Token</translation>
    </message>
    <message>
        <source>what Claude Code showed after &quot;%1&quot; is not a token</source>
        <translation>was Claude Code nach „%1“ angezeigt hat, ist kein Token</translation>
    </message>
    <message>
        <source>Sign in again; if it happens again, copy the token from the terminal into a secret by hand (Secrets page) named %1.</source>
        <translation>Melden Sie sich erneut an; geschieht es wieder, kopieren Sie das Token aus dem Terminal von Hand in ein Geheimnis (Seite „Geheimnisse“) namens %1.</translation>
    </message>
    <message>
        <source>Codex left no ~/.codex/auth.json: the sign-in was not finished</source>
        <translation>Codex hat keine ~/.codex/auth.json hinterlassen: die Anmeldung wurde nicht abgeschlossen</translation>
    </message>
    <message>
        <source>Sign in again and follow it until Codex says it is signed in.</source>
        <translation>Melden Sie sich erneut an und folgen Sie der Anmeldung, bis Codex meldet, dass es angemeldet ist.</translation>
    </message>
    <message>
        <source>Codex&apos;s auth.json is not a JSON object: %1</source>
        <translation>Codex’ auth.json ist kein JSON-Objekt: %1</translation>
    </message>
    <message>
        <source>Codex&apos;s auth.json has neither tokens nor a key</source>
        <translation>Codex’ auth.json enthält weder Tokens noch einen Schlüssel</translation>
    </message>
    <message>
        <source>Copilot CLI left no GitHub token in ~/.copilot: the sign-in was not finished</source>
        <translation>Copilot CLI hat kein GitHub-Token in ~/.copilot hinterlassen: die Anmeldung wurde nicht abgeschlossen</translation>
    </message>
    <message>
        <source>Sign in again and follow it until Copilot says it is signed in.</source>
        <translation>Melden Sie sich erneut an und folgen Sie der Anmeldung, bis Copilot meldet, dass es angemeldet ist.</translation>
    </message>
    <message>
        <source>Claude Pro or Max</source>
        <translation>Claude Pro oder Max</translation>
    </message>
    <message>
        <source>exchanges the sign-in code for a token</source>
        <translation>tauscht den Anmeldecode gegen ein Token</translation>
    </message>
    <message>
        <source>makes the long-lived token</source>
        <translation>erstellt das langlebige Token</translation>
    </message>
    <message>
        <source>Open the address it shows in your browser, sign in to Claude, and paste the code the page gives you into the terminal.</source>
        <translation>Öffnen Sie die angezeigte Adresse in Ihrem Browser, melden Sie sich bei Claude an und fügen Sie den Code, den die Seite Ihnen gibt, im Terminal ein.</translation>
    </message>
    <message>
        <source>ChatGPT</source>
        <translation>ChatGPT</translation>
    </message>
    <message>
        <source>the device code and the tokens</source>
        <translation>der Gerätecode und die Tokens</translation>
    </message>
    <message>
        <source>Open the address it shows in your browser, sign in to ChatGPT, and enter the code the terminal shows.</source>
        <translation>Öffnen Sie die angezeigte Adresse in Ihrem Browser, melden Sie sich bei ChatGPT an und geben Sie den Code ein, den das Terminal zeigt.</translation>
    </message>
    <message>
        <source>GitHub Copilot</source>
        <translation>GitHub Copilot</translation>
    </message>
    <message>
        <source>the device code and the token</source>
        <translation>der Gerätecode und das Token</translation>
    </message>
    <message>
        <source>checks the Copilot subscription</source>
        <translation>prüft das Copilot-Abonnement</translation>
    </message>
    <message>
        <source>Open https://github.com/login/device in your browser and enter the code the terminal shows.</source>
        <translation>Öffnen Sie https://github.com/login/device in Ihrem Browser und geben Sie den Code ein, den das Terminal zeigt.</translation>
    </message>
    <message>
        <source>%1 has no sign-in; give it an API key instead</source>
        <translation>%1 hat keine Anmeldung; geben Sie ihm stattdessen einen API-Schlüssel</translation>
    </message>
</context>
<context>
    <name>paddock::SignInDialog</name>
    <message>
        <source>Sign in</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <source>Open terminal again</source>
        <translation>Terminal erneut öffnen</translation>
    </message>
    <message>
        <source>Copy a policy that allows them</source>
        <translation>Eine Richtlinie kopieren, die sie erlaubt</translation>
    </message>
    <message>
        <source>Sign in — %1</source>
        <translation>Anmelden — %1</translation>
    </message>
    <message>
        <source>%1&apos;s agent signs in with your %2 subscription instead of an API key. Its own login runs in a throwaway container of %1, behind its proxy, in a terminal Paddock opens. %3

Paddock keeps the credential in your keychain, never on disk or in a volume, and gives it to the agent at each start.</source>
        <translation>Der Agent von %1 meldet sich mit Ihrem %2-Abonnement statt mit einem API-Schlüssel an. Seine eigene Anmeldung läuft in einem Wegwerf-Container von %1 hinter dessen Proxy, in einem Terminal, das Paddock öffnet. %3

Paddock bewahrt die Zugangsdaten in Ihrem Schlüsselbund auf, nie auf der Festplatte oder in einem Volume, und gibt sie dem Agenten bei jedem Start.</translation>
    </message>
    <message>
        <source>%1&apos;s agent (%2) has no sign-in; give it an API key on the Secrets page.</source>
        <translation>Der Agent von %1 (%2) hat keine Anmeldung; geben Sie ihm auf der Seite „Geheimnisse“ einen API-Schlüssel.</translation>
    </message>
    <message>
        <source>The login reaches these hosts from the container:</source>
        <translation>Die Anmeldung erreicht aus dem Container diese Hosts:</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>For</source>
        <translation>Wofür</translation>
    </message>
    <message>
        <source>%1&apos;s policies</source>
        <translation>Richtlinien von %1</translation>
    </message>
    <message>
        <source>not known</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>allowed</source>
        <translation>erlaubt</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>A Cedar policy for this persona that permits these hosts on port 443, to paste into its policy set in the policy editor</source>
        <translation>Eine Cedar-Richtlinie für diese Persona, die diese Hosts auf Port 443 erlaubt, zum Einfügen in ihren Richtliniensatz im Richtlinien-Editor</translation>
    </message>
    <message>
        <source>Copied a policy to the clipboard; add it on the Policies page, then sign in.</source>
        <translation>Eine Richtlinie wurde in die Zwischenablage kopiert; fügen Sie sie auf der Seite „Richtlinien“ hinzu und melden Sie sich dann an.</translation>
    </message>
    <message>
        <source>The policies refuse %1: the login will fail there until a policy allows them.</source>
        <translation>Die Richtlinien lehnen %1 ab: die Anmeldung scheitert dort, bis eine Richtlinie sie erlaubt.</translation>
    </message>
    <message>
        <source>Starting the sign-in container of %1…</source>
        <translation>Der Anmelde-Container von %1 wird gestartet…</translation>
    </message>
    <message>
        <source>Follow the login in the terminal. This window closes its container once the login has ended.</source>
        <translation>Folgen Sie der Anmeldung im Terminal. Dieses Fenster schließt ihren Container, sobald die Anmeldung beendet ist.</translation>
    </message>
    <message>
        <source>Cannot open a terminal: the container engine is not known yet.</source>
        <translation>Kein Terminal möglich: die Container-Engine ist noch nicht bekannt.</translation>
    </message>
    <message>
        <source>Could not start the terminal &quot;%1&quot;. Run this in one: %2</source>
        <translation>Das Terminal „%1“ konnte nicht gestartet werden. Führen Sie dies in einem aus: %2</translation>
    </message>
    <message>
        <source>Signed in. The credential is in your keychain as %1, assigned to %2; its agent gets it at its next start (restart it if it runs).</source>
        <translation>Angemeldet. Die Zugangsdaten liegen in Ihrem Schlüsselbund als %1, %2 zugeordnet; sein Agent erhält sie beim nächsten Start (starten Sie ihn neu, falls er läuft).</translation>
    </message>
    <message>
        <source>The sign-in failed: %1</source>
        <translation>Die Anmeldung ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
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
    <name>paddock::SshKey</name>
    <message>
        <source>cannot generate an SSH key: %1 failed in OpenSSL</source>
        <translation>ein SSH-Schlüssel kann nicht erzeugt werden: %1 ist in OpenSSL fehlgeschlagen</translation>
    </message>
    <message>
        <source>Generate the key with ssh-keygen -t ed25519 and load it from the file.</source>
        <translation>Erzeugen Sie den Schlüssel mit ssh-keygen -t ed25519 und laden Sie ihn aus der Datei.</translation>
    </message>
</context>
<context>
    <name>paddock::TimelineView</name>
    <message>
        <source>Your time (%1)</source>
        <translation>Ihre Zeit (%1)</translation>
    </message>
    <message>
        <source>%1 (disabled)</source>
        <translation>%1 (deaktiviert)</translation>
    </message>
    <message>
        <source>No jobs yet: New job… makes one.</source>
        <translation>Noch keine Jobs: „Neuer Job …“ legt einen an.</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <source>Disabled: %1</source>
        <translation>Deaktiviert: %1</translation>
    </message>
    <message>
        <source>On schedule, often, from %1 to %2</source>
        <translation>Laut Zeitplan häufig, von %1 bis %2</translation>
    </message>
    <message>
        <source>Next on schedule: %1</source>
        <translation>Als Nächstes laut Zeitplan: %1</translation>
    </message>
    <message>
        <source>Clocks in %1 go forward at %2 to %3 (%4 → %5): the times in between do not happen; a job due then runs right after.</source>
        <translation>Die Uhren in %1 werden um %2 auf %3 vorgestellt (%4 → %5): Die Zeiten dazwischen gibt es nicht; ein dann fälliger Job läuft direkt danach.</translation>
    </message>
    <message>
        <source>Clocks in %1 go back at %2 to %3 (%4 → %5): the times in between happen twice; a job due then runs once.</source>
        <translation>Die Uhren in %1 werden um %2 auf %3 zurückgestellt (%4 → %5): Die Zeiten dazwischen gibt es zweimal; ein dann fälliger Job läuft einmal.</translation>
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
    <message>
        <source>Audit log failing</source>
        <translation>Audit-Protokoll gestört</translation>
    </message>
    <message>
        <source>P&amp;ersonas…</source>
        <translation>P&amp;ersonas …</translation>
    </message>
    <message>
        <source>S&amp;top all agents</source>
        <translation>Alle Agenten an&amp;halten</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>&amp;Anhalten</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Could not start %1</source>
        <translation>%1 konnte nicht gestartet werden</translation>
    </message>
    <message>
        <source>Could not stop %1</source>
        <translation>%1 konnte nicht angehalten werden</translation>
    </message>
    <message>
        <source>Could not restart %1</source>
        <translation>%1 konnte nicht neu gestartet werden</translation>
    </message>
    <message>
        <source>Could not remove %1</source>
        <translation>%1 konnte nicht entfernt werden</translation>
    </message>
    <message>
        <source>Open &amp;terminal</source>
        <translation>&amp;Terminal öffnen</translation>
    </message>
    <message>
        <source>Could not open a terminal on %1</source>
        <translation>Für %1 konnte kein Terminal geöffnet werden</translation>
    </message>
    <message>
        <source>%1 — running since %2</source>
        <translation>%1 — läuft seit %2</translation>
    </message>
    <message>
        <source>%1 — waiting since %2</source>
        <translation>%1 — wartet seit %2</translation>
    </message>
    <message>
        <source>No job is running</source>
        <translation>Kein Job läuft</translation>
    </message>
    <message numerus="yes">
        <source>%1 — %n failure(s) in a row</source>
        <translation>
            <numerusform>%1 — %n Fehlschlag in Folge</numerusform>
            <numerusform>%1 — %n Fehlschläge in Folge</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Jobs…</source>
        <translation>&amp;Jobs …</translation>
    </message>
    <message numerus="yes">
        <source>&amp;Jobs — %n running</source>
        <translation>
            <numerusform>&amp;Jobs — %n läuft</numerusform>
            <numerusform>&amp;Jobs — %n laufen</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>&amp;Jobs</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) running</source>
        <translation>
            <numerusform>%n Job läuft</numerusform>
            <numerusform>%n Jobs laufen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>paddock::UnixSocket</name>
    <message>
        <source>the socket&apos;s path is too long</source>
        <translation>der Pfad des Sockets ist zu lang</translation>
    </message>
    <message>
        <source>cannot remove what is there</source>
        <translation>was dort liegt, kann nicht entfernt werden</translation>
    </message>
    <message>
        <source>no socket</source>
        <translation>kein Socket</translation>
    </message>
    <message>
        <source>bind failed</source>
        <translation>bind fehlgeschlagen</translation>
    </message>
    <message>
        <source>cannot set the socket&apos;s mode</source>
        <translation>die Zugriffsrechte des Sockets können nicht gesetzt werden</translation>
    </message>
    <message>
        <source>listen failed</source>
        <translation>listen fehlgeschlagen</translation>
    </message>
    <message>
        <source>the socket is gone</source>
        <translation>der Socket ist verschwunden</translation>
    </message>
</context>
<context>
    <name>paddock::WallClock</name>
    <message>
        <source>No timerfd (%1): the timer keeps to the wall clock within a minute, and a changed clock is not noticed.</source>
        <translation>Kein timerfd (%1): Der Timer hält sich auf eine Minute genau an die Uhrzeit, und eine verstellte Uhr wird nicht bemerkt.</translation>
    </message>
    <message>
        <source>The kernel does not report a changed clock to timers: a clock set by hand is noticed at the next scheduled time.</source>
        <translation>Der Kernel meldet Timern keine verstellte Uhr: Eine von Hand gestellte Uhr wird zum nächsten geplanten Zeitpunkt bemerkt.</translation>
    </message>
    <message>
        <source>Sleep and wake come from systemd-logind.</source>
        <translation>Ruhezustand und Aufwachen meldet systemd-logind.</translation>
    </message>
    <message>
        <source>No system bus (%1): a sleep is noticed from the clocks after the machine wakes.</source>
        <translation>Kein Systembus (%1): Ein Ruhezustand wird nach dem Aufwachen des Rechners an den Uhren erkannt.</translation>
    </message>
    <message>
        <source>Cannot follow systemd-logind (%1): a sleep is noticed from the clocks after the machine wakes.</source>
        <translation>systemd-logind kann nicht verfolgt werden (%1): Ein Ruhezustand wird nach dem Aufwachen des Rechners an den Uhren erkannt.</translation>
    </message>
    <message>
        <source>Asking the system bus for systemd-logind.</source>
        <translation>systemd-logind wird über den Systembus angefragt.</translation>
    </message>
    <message>
        <source>systemd-logind is not there: a sleep is noticed from the clocks after the machine wakes.</source>
        <translation>systemd-logind ist nicht vorhanden: Ein Ruhezustand wird nach dem Aufwachen des Rechners an den Uhren erkannt.</translation>
    </message>
</context>
<context>
    <name>paddock::WorkspaceBuilder</name>
    <message>
        <source>cancelled; nothing was left behind</source>
        <translation>abgebrochen; es wurde nichts zurückgelassen</translation>
    </message>
    <message>
        <source>cannot create the folder</source>
        <translation>Ordner kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Check the permissions and free space of Paddock&apos;s data folder.</source>
        <translation>Prüfen Sie die Zugriffsrechte und den freien Speicherplatz des Datenordners von Paddock.</translation>
    </message>
    <message>
        <source>cannot read: %1</source>
        <translation>Lesen nicht möglich: %1</translation>
    </message>
    <message>
        <source>Check that the repository can be read.</source>
        <translation>Prüfen Sie, ob das Repository gelesen werden kann.</translation>
    </message>
    <message>
        <source>cannot write: %1</source>
        <translation>Schreiben nicht möglich: %1</translation>
    </message>
    <message>
        <source>copying failed: %1</source>
        <translation>Kopieren fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Check the free space of Paddock&apos;s data folder.</source>
        <translation>Prüfen Sie den freien Speicherplatz des Datenordners von Paddock.</translation>
    </message>
    <message>
        <source>Check the repository with git fsck, and the free space of Paddock&apos;s data folder.</source>
        <translation>Prüfen Sie das Repository mit git fsck und den freien Speicherplatz des Datenordners von Paddock.</translation>
    </message>
    <message>
        <source>cannot open the repository: %1</source>
        <translation>das Repository kann nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>there is no branch, tag or commit &quot;%1&quot;</source>
        <translation>es gibt keinen Branch, kein Tag und keinen Commit „%1“</translation>
    </message>
    <message>
        <source>Choose one of its branches: %1.</source>
        <translation>Wählen Sie einen seiner Branches: %1.</translation>
    </message>
    <message>
        <source>cannot list the references: %1</source>
        <translation>die Referenzen können nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <source>cannot create %1: %2</source>
        <translation>%1 kann nicht angelegt werden: %2</translation>
    </message>
    <message>
        <source>cannot open the configuration: %1</source>
        <translation>die Konfiguration kann nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>cannot write the configuration: %1</source>
        <translation>die Konfiguration kann nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>cannot create the mirror: %1</source>
        <translation>der Spiegel kann nicht angelegt werden: %1</translation>
    </message>
    <message>
        <source>cannot move the new mirror into place</source>
        <translation>der neue Spiegel kann nicht an seinen Platz verschoben werden</translation>
    </message>
    <message>
        <source>Check the permissions of Paddock&apos;s data folder.</source>
        <translation>Prüfen Sie die Zugriffsrechte des Datenordners von Paddock.</translation>
    </message>
    <message>
        <source>cannot reach the original: %1</source>
        <translation>das Original ist nicht erreichbar: %1</translation>
    </message>
    <message>
        <source>cannot update the mirror: %1</source>
        <translation>der Spiegel kann nicht aktualisiert werden: %1</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a persona name</source>
        <translation>„%1“ ist kein Persona-Name</translation>
    </message>
    <message>
        <source>Choose one of the personas.</source>
        <translation>Wählen Sie eine der Personas.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; cannot be a feature name</source>
        <translation>„%1“ kann kein Feature-Name sein</translation>
    </message>
    <message>
        <source>Use letters, digits, &apos;-&apos;, &apos;_&apos; and &apos;.&apos;, at most 64, not starting with &apos;.&apos; or &apos;-&apos;, for example %1.</source>
        <translation>Verwenden Sie Buchstaben, Ziffern, „-“, „_“ und „.“, höchstens 64, nicht beginnend mit „.“ oder „-“, zum Beispiel %1.</translation>
    </message>
    <message>
        <source>the repository has submodules (%1), which a workspace cannot bring along</source>
        <translation>das Repository hat Submodule (%1), die ein Arbeitsbereich nicht mitnehmen kann</translation>
    </message>
    <message>
        <source>The agent&apos;s container cannot fetch them. Drop a repository without submodules, or make the submodules&apos; contents part of it.</source>
        <translation>Der Container des Agenten kann sie nicht abrufen. Legen Sie ein Repository ohne Submodule ab, oder machen Sie den Inhalt der Submodule zu einem Teil davon.</translation>
    </message>
    <message>
        <source>cannot create Paddock&apos;s data folders</source>
        <translation>die Datenordner von Paddock können nicht angelegt werden</translation>
    </message>
    <message>
        <source>Check the permissions of the folder.</source>
        <translation>Prüfen Sie die Zugriffsrechte des Ordners.</translation>
    </message>
    <message>
        <source>another workspace of this repository is being made</source>
        <translation>ein anderer Arbeitsbereich dieses Repositorys wird gerade angelegt</translation>
    </message>
    <message>
        <source>Wait for it to finish, then try again.</source>
        <translation>Warten Sie, bis er fertig ist, und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>a workspace of this name already exists</source>
        <translation>ein Arbeitsbereich dieses Namens existiert bereits</translation>
    </message>
    <message>
        <source>Choose another feature name, or remove the workspace first.</source>
        <translation>Wählen Sie einen anderen Feature-Namen, oder entfernen Sie zuerst den Arbeitsbereich.</translation>
    </message>
    <message>
        <source>not enough disk space: the workspace needs about %1 MB, %2 MB are free</source>
        <translation>nicht genug Speicherplatz: der Arbeitsbereich braucht etwa %1 MB, %2 MB sind frei</translation>
    </message>
    <message>
        <source>Free some space there, or set PADDOCK_DATA_DIR to a larger disk.</source>
        <translation>Geben Sie dort Speicherplatz frei, oder setzen Sie PADDOCK_DATA_DIR auf einen größeren Datenträger.</translation>
    </message>
    <message>
        <source>cannot create the workspace: %1</source>
        <translation>der Arbeitsbereich kann nicht angelegt werden: %1</translation>
    </message>
    <message>
        <source>the base commit did not come along: %1</source>
        <translation>der Basis-Commit ist nicht mitgekommen: %1</translation>
    </message>
    <message>
        <source>cannot create the branch %1: %2</source>
        <translation>der Branch %1 kann nicht angelegt werden: %2</translation>
    </message>
    <message>
        <source>Choose another feature name.</source>
        <translation>Wählen Sie einen anderen Feature-Namen.</translation>
    </message>
    <message>
        <source>cannot check out the files: %1</source>
        <translation>die Dateien können nicht ausgecheckt werden: %1</translation>
    </message>
    <message>
        <source>cannot switch to the branch: %1</source>
        <translation>zum Branch kann nicht gewechselt werden: %1</translation>
    </message>
    <message>
        <source>cannot add the remote origin: %1</source>
        <translation>das Remote origin kann nicht hinzugefügt werden: %1</translation>
    </message>
    <message>
        <source>cannot add the remote local: %1</source>
        <translation>das Remote local kann nicht hinzugefügt werden: %1</translation>
    </message>
    <message>
        <source>cannot move the new workspace into place</source>
        <translation>der neue Arbeitsbereich kann nicht an seinen Platz verschoben werden</translation>
    </message>
    <message>
        <source>cannot set the remote local: %1</source>
        <translation>das Remote local kann nicht eingerichtet werden: %1</translation>
    </message>
</context>
<context>
    <name>paddock::WorkspaceDialog</name>
    <message>
        <source>Mirroring the repository: %1 of %2</source>
        <translation>Das Repository wird gespiegelt: %1 von %2</translation>
    </message>
    <message>
        <source>Mirroring the repository: %1</source>
        <translation>Das Repository wird gespiegelt: %1</translation>
    </message>
    <message>
        <source>Copying its objects: %1 of %2</source>
        <translation>Seine Objekte werden kopiert: %1 von %2</translation>
    </message>
    <message>
        <source>Copying its objects: %1</source>
        <translation>Seine Objekte werden kopiert: %1</translation>
    </message>
    <message>
        <source>Checking out files: %1 of %2</source>
        <translation>Dateien werden ausgecheckt: %1 von %2</translation>
    </message>
    <message>
        <source>Checking out files: %1</source>
        <translation>Dateien werden ausgecheckt: %1</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>&amp;Anlegen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Copy &amp;path</source>
        <translation>&amp;Pfad kopieren</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <source>Open %1 as a workspace of %2</source>
        <translation>%1 als Arbeitsbereich von %2 öffnen</translation>
    </message>
    <message>
        <source>Looking at %1…</source>
        <translation>%1 wird untersucht …</translation>
    </message>
    <message>
        <source>Repository:</source>
        <translation>Repository:</translation>
    </message>
    <message>
        <source>Now:</source>
        <translation>Aktuell:</translation>
    </message>
    <message>
        <source>&amp;Feature name:</source>
        <translation>&amp;Feature-Name:</translation>
    </message>
    <message>
        <source>New branch:</source>
        <translation>Neuer Branch:</translation>
    </message>
    <message>
        <source>Workspace:</source>
        <translation>Arbeitsbereich:</translation>
    </message>
    <message>
        <source>&amp;Base:</source>
        <translation>&amp;Basis:</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>This folder cannot be a workspace: %1</source>
        <translation>Dieser Ordner kann kein Arbeitsbereich sein: %1</translation>
    </message>
    <message>
        <source>%1 cannot be a workspace: it has submodules (%2), which a workspace cannot bring along (the agent&apos;s container cannot fetch them).
Drop a repository without submodules, or make their contents part of it.</source>
        <translation>%1 kann kein Arbeitsbereich sein: Es hat Submodule (%2), die ein Arbeitsbereich nicht mitnehmen kann (der Container des Agenten kann sie nicht abrufen).
Legen Sie ein Repository ohne Submodule ab, oder machen Sie deren Inhalt zu einem Teil davon.</translation>
    </message>
    <message>
        <source>%1, a bare repository at %2</source>
        <translation>%1, ein Bare-Repository unter %2</translation>
    </message>
    <message>
        <source>%1, a work tree at %2</source>
        <translation>%1, ein Arbeitsbaum unter %2</translation>
    </message>
    <message>
        <source>%1 of objects, %2 of files</source>
        <translation>%1 an Objekten, %2 an Dateien</translation>
    </message>
    <message>
        <source>HEAD is detached at %1</source>
        <translation>HEAD ist losgelöst bei %1</translation>
    </message>
    <message>
        <source>on branch %1 (%2)</source>
        <translation>auf Branch %1 (%2)</translation>
    </message>
    <message>
        <source>HEAD, detached at %1</source>
        <translation>HEAD, losgelöst bei %1</translation>
    </message>
    <message>
        <source>%1 is running with the workspace %2: it will be restarted with this one.</source>
        <translation>%1 läuft mit dem Arbeitsbereich %2 und wird mit diesem hier neu gestartet.</translation>
    </message>
    <message>
        <source>%1 is running without a workspace: it will be restarted with this one.</source>
        <translation>%1 läuft ohne Arbeitsbereich und wird mit diesem hier neu gestartet.</translation>
    </message>
    <message>
        <source>%1 will be started with this workspace.</source>
        <translation>%1 wird mit diesem Arbeitsbereich gestartet.</translation>
    </message>
    <message>
        <source>Enter a feature name: it names the new branch and the workspace&apos;s folder.</source>
        <translation>Geben Sie einen Feature-Namen ein: Er benennt den neuen Branch und den Ordner des Arbeitsbereichs.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; cannot be a feature name: use letters, digits, &apos;-&apos;, &apos;_&apos; and &apos;.&apos;, at most 64, not starting with &apos;.&apos; or &apos;-&apos;, without &quot;..&quot; and not ending in &quot;.lock&quot; or &apos;.&apos;; for example %2.</source>
        <translation>„%1“ kann kein Feature-Name sein: Verwenden Sie Buchstaben, Ziffern, „-“, „_“ und „.“, höchstens 64, nicht beginnend mit „.“ oder „-“, ohne „..“ und nicht endend auf „.lock“ oder „.“; zum Beispiel %2.</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>&amp;Try again</source>
        <translation>&amp;Erneut versuchen</translation>
    </message>
    <message>
        <source>Cancelling: removing what was made…</source>
        <translation>Wird abgebrochen: Bereits Angelegtes wird entfernt …</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Wird gestartet …</translation>
    </message>
    <message>
        <source>Paddock&apos;s engine is not running</source>
        <translation>der Dienst von Paddock läuft nicht</translation>
    </message>
    <message>
        <source>Restart Paddock, then drop the folder again.</source>
        <translation>Starten Sie Paddock neu, und legen Sie den Ordner dann erneut ab.</translation>
    </message>
    <message>
        <source>The workspace is made: branch %1 in %2.
%3 is starting with it.</source>
        <translation>Der Arbeitsbereich ist angelegt: Branch %1 in %2.
%3 wird damit gestartet.</translation>
    </message>
    <message>
        <source>It was finished before the cancel reached it.</source>
        <translation>Er war schon fertig, bevor der Abbruch ihn erreichte.</translation>
    </message>
    <message>
        <source>The workspace was not made: %1</source>
        <translation>Der Arbeitsbereich wurde nicht angelegt: %1</translation>
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
        <source>Also check the policies against this schema (.cedarschema, or Cedar&apos;s JSON format).</source>
        <translation>Die Richtlinien zusätzlich gegen dieses Schema prüfen (.cedarschema oder Cedars JSON-Format).</translation>
    </message>
    <message>
        <source>The audit log to read (default: %1).</source>
        <translation>Das zu lesende Audit-Protokoll (Vorgabe: %1).</translation>
    </message>
    <message>
        <source>Only events of this persona or job.</source>
        <translation>Nur Ereignisse dieser Persona oder dieses Jobs.</translation>
    </message>
    <message>
        <source>NAME</source>
        <translation>NAME</translation>
    </message>
    <message>
        <source>Only these decisions: allow, deny, would-deny, info (comma-separated).</source>
        <translation>Nur diese Entscheidungen: allow, deny, would-deny, info (durch Kommas getrennt).</translation>
    </message>
    <message>
        <source>LIST</source>
        <translation>LISTE</translation>
    </message>
    <message>
        <source>Only events from this source: system, user, policy, proxy, git, runtime, scheduler.</source>
        <translation>Nur Ereignisse aus dieser Quelle: system, user, policy, proxy, git, runtime, scheduler.</translation>
    </message>
    <message>
        <source>SOURCE</source>
        <translation>QUELLE</translation>
    </message>
    <message>
        <source>Only events whose resource, action or details contain TEXT.</source>
        <translation>Nur Ereignisse, deren Ressource, Aktion oder Details TEXT enthalten.</translation>
    </message>
    <message>
        <source>TEXT</source>
        <translation>TEXT</translation>
    </message>
    <message>
        <source>Only events at or after TIME (2026-12-01, 2026-12-01T07:00:00Z, or 30m, 24h, 7d back from now).</source>
        <translation>Nur Ereignisse ab ZEIT (2026-12-01, 2026-12-01T07:00:00Z oder 30m, 24h, 7d vor jetzt).</translation>
    </message>
    <message>
        <source>TIME</source>
        <translation>ZEIT</translation>
    </message>
    <message>
        <source>Only events before TIME.</source>
        <translation>Nur Ereignisse vor ZEIT.</translation>
    </message>
    <message>
        <source>--source: unknown source &quot;%1&quot;</source>
        <translation>--source: unbekannte Quelle „%1“</translation>
    </message>
    <message>
        <source>Use one of system, user, policy, proxy, git, runtime, scheduler.</source>
        <translation>Verwenden Sie eines von system, user, policy, proxy, git, runtime, scheduler.</translation>
    </message>
    <message>
        <source>--decision: unknown decision &quot;%1&quot;</source>
        <translation>--decision: unbekannte Entscheidung „%1“</translation>
    </message>
    <message>
        <source>Use allow, deny, would-deny or info.</source>
        <translation>Verwenden Sie allow, deny, would-deny oder info.</translation>
    </message>
    <message>
        <source>--%1: &quot;%2&quot; is not a time</source>
        <translation>--%1: „%2“ ist keine Zeitangabe</translation>
    </message>
    <message>
        <source>Write a date (2026-12-01), a UTC time (2026-12-01T07:00:00Z), or a span back from now (30m, 24h, 7d).</source>
        <translation>Geben Sie ein Datum (2026-12-01), eine UTC-Zeit (2026-12-01T07:00:00Z) oder eine Zeitspanne vor jetzt (30m, 24h, 7d) an.</translation>
    </message>
    <message>
        <source>Checks the audit log&apos;s hash chain and its head file. Exits 0 when the log is intact, 1 when anything was modified, removed, reordered or cut off, 2 when it cannot be read.</source>
        <translation>Prüft die Hash-Kette des Audit-Protokolls und seine Kopfdatei. Exit-Status: 0, wenn das Protokoll intakt ist, 1, wenn etwas verändert, entfernt, umgeordnet oder abgeschnitten wurde, 2, wenn es nicht gelesen werden kann.</translation>
    </message>
    <message>
        <source>Print the result as JSON.</source>
        <translation>Das Ergebnis als JSON ausgeben.</translation>
    </message>
    <message>
        <source>verifying… %1 %</source>
        <translation>wird geprüft … %1 %</translation>
    </message>
    <message>
        <source>%1 events/s</source>
        <translation>%1 Ereignisse/s</translation>
    </message>
    <message>
        <source>Prints the newest audit events, and with --follow every new one as it is written.</source>
        <translation>Gibt die neuesten Audit-Ereignisse aus und mit --follow jedes neue, sobald es geschrieben wird.</translation>
    </message>
    <message>
        <source>Keep printing new events until interrupted.</source>
        <translation>Neue Ereignisse bis zum Abbruch weiter ausgeben.</translation>
    </message>
    <message>
        <source>How many of the newest events to print first (default 20).</source>
        <translation>Wie viele der neuesten Ereignisse zuerst ausgegeben werden (Vorgabe 20).</translation>
    </message>
    <message>
        <source>N</source>
        <translation>N</translation>
    </message>
    <message>
        <source>One JSON object per line.</source>
        <translation>Ein JSON-Objekt pro Zeile.</translation>
    </message>
    <message>
        <source>--lines: &quot;%1&quot; is not a count</source>
        <translation>--lines: „%1“ ist keine Anzahl</translation>
    </message>
    <message>
        <source>Give a whole number, 0 or more.</source>
        <translation>Geben Sie eine ganze Zahl ab 0 an.</translation>
    </message>
    <message>
        <source>Writes audit events, oldest first, as JSON Lines (one event per line, with its hashes) or CSV.</source>
        <translation>Schreibt Audit-Ereignisse, die ältesten zuerst, als JSON Lines (ein Ereignis pro Zeile, mit seinen Hashes) oder CSV.</translation>
    </message>
    <message>
        <source>jsonl (default) or csv.</source>
        <translation>jsonl (Vorgabe) oder csv.</translation>
    </message>
    <message>
        <source>FORMAT</source>
        <translation>FORMAT</translation>
    </message>
    <message>
        <source>Write to FILE instead of standard output.</source>
        <translation>In DATEI statt in die Standardausgabe schreiben.</translation>
    </message>
    <message>
        <source>--format: unknown format &quot;%1&quot;</source>
        <translation>--format: unbekanntes Format „%1“</translation>
    </message>
    <message>
        <source>Use jsonl or csv.</source>
        <translation>Verwenden Sie jsonl oder csv.</translation>
    </message>
    <message>
        <source>cannot write: %1</source>
        <translation>Schreiben nicht möglich: %1</translation>
    </message>
    <message numerus="yes">
        <source>paddockctl audit export: %n event(s) written to %1</source>
        <translation>
            <numerusform>paddockctl audit export: %n Ereignis nach %1 geschrieben</numerusform>
            <numerusform>paddockctl audit export: %n Ereignisse nach %1 geschrieben</numerusform>
        </translation>
    </message>
    <message>
        <source>The image&apos;s name (default: %1).</source>
        <translation>Der Name des Abbilds (Vorgabe: %1).</translation>
    </message>
    <message>
        <source>paddockctl image %1: unexpected argument &quot;%2&quot;; see --help</source>
        <translation>paddockctl image %1: unerwartetes Argument „%2“; siehe --help</translation>
    </message>
    <message>
        <source>More Debian packages for the image, comma-separated.</source>
        <translation>Weitere Debian-Pakete für das Abbild, durch Kommas getrennt.</translation>
    </message>
    <message>
        <source>PKGS</source>
        <translation>PAKETE</translation>
    </message>
    <message>
        <source>paddockctl image build: cancelling</source>
        <translation>paddockctl image build: wird abgebrochen</translation>
    </message>
    <message>
        <source>Say whether the container engine has the agent image.</source>
        <translation>Angeben, ob der Container-Dienst das Agent-Abbild hat.</translation>
    </message>
    <message>
        <source>paddockctl image status: %1 does not exist in the container engine (%2).
Build it with: paddockctl image build --tag %1</source>
        <translation>paddockctl image status: %1 existiert im Container-Dienst nicht (%2).
Erstellen Sie es mit: paddockctl image build --tag %1</translation>
    </message>
    <message>
        <source>%1 exists</source>
        <translation>%1 existiert</translation>
    </message>
    <message>
        <source>id: %1</source>
        <translation>ID: %1</translation>
    </message>
    <message>
        <source>size: %1 (%2 bytes)</source>
        <translation>Größe: %1 (%2 Byte)</translation>
    </message>
    <message>
        <source>created: %1</source>
        <translation>erstellt: %1</translation>
    </message>
    <message>
        <source>Decides whether PERSONA may update REF of the workspace repository REPO, records the decision in the audit log, and exits with 0 (allowed), 1 (denied, the reason on standard error) or 2 (an error, which refuses the push too).</source>
        <translation>Entscheidet, ob PERSONA die REF des Arbeitsbereich-Repositorys REPO aktualisieren darf, zeichnet die Entscheidung im Audit-Protokoll auf und endet mit 0 (erlaubt), 1 (verwehrt, die Begründung in der Standardfehlerausgabe) oder 2 (ein Fehler, der den Push ebenfalls ablehnt).</translation>
    </message>
    <message>
        <source>The persona pushing.</source>
        <translation>Die pushende Persona.</translation>
    </message>
    <message>
        <source>P</source>
        <translation>P</translation>
    </message>
    <message>
        <source>The repository (the mirror&apos;s name).</source>
        <translation>Das Repository (der Name des Spiegels).</translation>
    </message>
    <message>
        <source>R</source>
        <translation>R</translation>
    </message>
    <message>
        <source>The ref updated, e.g. refs/heads/ai/x.</source>
        <translation>Die aktualisierte Ref, z. B. refs/heads/ai/x.</translation>
    </message>
    <message>
        <source>REF</source>
        <translation>REF</translation>
    </message>
    <message>
        <source>The update is not a fast-forward.</source>
        <translation>Die Aktualisierung ist kein Fast-Forward.</translation>
    </message>
    <message>
        <source>The update deletes the ref.</source>
        <translation>Die Aktualisierung löscht die Ref.</translation>
    </message>
    <message>
        <source>Paddock&apos;s configuration folder (default: %1).</source>
        <translation>Der Konfigurationsordner von Paddock (Vorgabe: %1).</translation>
    </message>
    <message>
        <source>Paddock&apos;s data folder, where the audit log is (default: %1).</source>
        <translation>Der Datenordner von Paddock, in dem das Audit-Protokoll liegt (Vorgabe: %1).</translation>
    </message>
    <message>
        <source>paddockctl policy check git-push: --%1 is required</source>
        <translation>paddockctl policy check git-push: --%1 ist erforderlich</translation>
    </message>
    <message>
        <source>paddock: the push of %1 to %2 is refused: %3</source>
        <translation>paddock: der Push von %1 nach %2 wird abgelehnt: %3</translation>
    </message>
    <message>
        <source>there is no persona &quot;%1&quot; in %2</source>
        <translation>es gibt keine Persona „%1“ in %2</translation>
    </message>
    <message>
        <source>the decision cannot be recorded in the audit log (%1)</source>
        <translation>die Entscheidung kann nicht im Audit-Protokoll aufgezeichnet werden (%1)</translation>
    </message>
    <message>
        <source>no policy permits it</source>
        <translation>keine Richtlinie erlaubt es</translation>
    </message>
    <message>
        <source>forbidden by %1</source>
        <translation>verboten durch %1</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 T %2 h</translation>
    </message>
    <message>
        <source>the container engine did not answer in 15 s</source>
        <translation>der Container-Dienst hat nicht innerhalb von 15 s geantwortet</translation>
    </message>
    <message>
        <source>The personas and what their containers are doing.</source>
        <translation>Die Personas und was ihre Container tun.</translation>
    </message>
    <message>
        <source>One JSON object per persona.</source>
        <translation>Ein JSON-Objekt pro Persona.</translation>
    </message>
    <message>
        <source>TRUST</source>
        <translation>VERTRAUEN</translation>
    </message>
    <message>
        <source>STATUS</source>
        <translation>STATUS</translation>
    </message>
    <message>
        <source>UPTIME</source>
        <translation>LAUFZEIT</translation>
    </message>
    <message>
        <source>PORTS</source>
        <translation>PORTS</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>Stops a persona&apos;s container.</source>
        <translation>Hält den Container einer Persona an.</translation>
    </message>
    <message>
        <source>Restarts a persona&apos;s container.</source>
        <translation>Startet den Container einer Persona neu.</translation>
    </message>
    <message>
        <source>The persona.</source>
        <translation>Die Persona.</translation>
    </message>
    <message>
        <source>name one persona (see paddockctl persona list)</source>
        <translation>Geben Sie eine Persona an (siehe paddockctl persona list)</translation>
    </message>
    <message>
        <source>there is no persona &quot;%1&quot; (see paddockctl persona list)</source>
        <translation>es gibt keine Persona „%1“ (siehe paddockctl persona list)</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>unterbrochen</translation>
    </message>
    <message>
        <source>%1: %2 (container %3)</source>
        <translation>%1: %2 (Container %3)</translation>
    </message>
    <message>
        <source>A persona&apos;s container log (stdout and stderr).</source>
        <translation>Das Container-Protokoll einer Persona (stdout und stderr).</translation>
    </message>
    <message>
        <source>Keep printing new lines until the container stops or SIGINT.</source>
        <translation>Neue Zeilen weiter ausgeben, bis der Container anhält oder SIGINT eintrifft.</translation>
    </message>
    <message>
        <source>Only the last N lines (default: all).</source>
        <translation>Nur die letzten N Zeilen (Vorgabe: alle).</translation>
    </message>
    <message>
        <source>--tail wants a number, not &quot;%1&quot;</source>
        <translation>--tail erwartet eine Zahl, nicht „%1“</translation>
    </message>
    <message>
        <source>mirror</source>
        <translation>Spiegeln</translation>
    </message>
    <message>
        <source>copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>checkout</source>
        <translation>Auschecken</translation>
    </message>
    <message>
        <source>Makes a workspace of the repository at PATH for a persona: a clone in Paddock&apos;s data folder on the branch &lt;persona&gt;/&lt;feature&gt;, pushing to a host-side mirror. Prints the workspace&apos;s path and its branch. Ctrl+C cancels and removes what was made.</source>
        <translation>Legt für eine Persona einen Arbeitsbereich des Repositorys unter PFAD an: einen Klon im Datenordner von Paddock auf dem Branch &lt;persona&gt;/&lt;feature&gt;, der in einen Spiegel auf dem Host pusht. Gibt den Pfad des Arbeitsbereichs und seinen Branch aus. Strg+C bricht ab und entfernt, was angelegt wurde.</translation>
    </message>
    <message>
        <source>The persona it is for.</source>
        <translation>Die Persona, für die er bestimmt ist.</translation>
    </message>
    <message>
        <source>The feature name (default: from the folder and today&apos;s date).</source>
        <translation>Der Feature-Name (Vorgabe: aus dem Ordner und dem heutigen Datum).</translation>
    </message>
    <message>
        <source>F</source>
        <translation>F</translation>
    </message>
    <message>
        <source>The branch, tag or commit to start from (default: the current branch).</source>
        <translation>Der Branch, das Tag oder der Commit, von dem aus begonnen wird (Vorgabe: der aktuelle Branch).</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>The git transport&apos;s base URL as the container sees it, e.g. git://10.89.0.1:9418.</source>
        <translation>Die Basis-URL des Git-Transports aus Sicht des Containers, z. B. git://10.89.0.1:9418.</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>The repository.</source>
        <translation>Das Repository.</translation>
    </message>
    <message>
        <source>PATH</source>
        <translation>PFAD</translation>
    </message>
    <message>
        <source>paddockctl workspace create: name a persona (--persona P) and one repository PATH</source>
        <translation>paddockctl workspace create: Geben Sie eine Persona (--persona P) und einen Repository-PFAD an</translation>
    </message>
    <message>
        <source>paddockctl workspace create: %1</source>
        <translation>paddockctl workspace create: %1</translation>
    </message>
    <message>
        <source>paddockctl workspace create: there is no persona &quot;%1&quot;; the personas are %2</source>
        <translation>paddockctl workspace create: es gibt keine Persona „%1“; die Personas sind %2</translation>
    </message>
    <message>
        <source>%1: %2 %</source>
        <translation>%1: %2 %</translation>
    </message>
    <message>
        <source>%1: %2 MB</source>
        <translation>%1: %2 MB</translation>
    </message>
    <message>
        <source>warning: %1</source>
        <translation>Warnung: %1</translation>
    </message>
    <message>
        <source>Lists the workspaces (of one persona, or all), oldest first.</source>
        <translation>Listet die Arbeitsbereiche auf (einer Persona oder alle), die ältesten zuerst.</translation>
    </message>
    <message>
        <source>Only this persona&apos;s.</source>
        <translation>Nur die Arbeitsbereiche dieser Persona.</translation>
    </message>
    <message>
        <source>no workspaces yet; make one with paddockctl workspace create</source>
        <translation>noch keine Arbeitsbereiche; legen Sie einen mit paddockctl workspace create an</translation>
    </message>
    <message>
        <source>The persona the proxy serves.</source>
        <translation>Die Persona, die der Proxy bedient.</translation>
    </message>
    <message>
        <source>Where to listen, e.g. 127.0.0.1:3128 (port 0: any free one).</source>
        <translation>Wo gelauscht wird, z. B. 127.0.0.1:3128 (Port 0: ein beliebiger freier).</translation>
    </message>
    <message>
        <source>ADDRESS:PORT</source>
        <translation>ADRESSE:PORT</translation>
    </message>
    <message>
        <source>Chain through the proxy at ADDRESS:PORT.</source>
        <translation>Über den Proxy unter ADRESSE:PORT weiterleiten.</translation>
    </message>
    <message>
        <source>Resolve names with these DNS servers (ADDRESS:PORT, comma separated) instead of the system&apos;s.</source>
        <translation>Namen mit diesen DNS-Servern (ADRESSE:PORT, durch Kommas getrennt) statt mit denen des Systems auflösen.</translation>
    </message>
    <message>
        <source>SERVERS</source>
        <translation>SERVER</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not ADDRESS:PORT (e.g. 127.0.0.1:3128)</source>
        <translation>„%1“ ist nicht ADRESSE:PORT (z. B. 127.0.0.1:3128)</translation>
    </message>
    <message>
        <source>paddockctl proxy listen: %1 (its set denies everything until it is fixed)</source>
        <translation>paddockctl proxy listen: %1 (sein Satz verwehrt alles, bis er korrigiert ist)</translation>
    </message>
    <message>
        <source>Shows the running egress proxies: their listeners, the personas they serve and their counters.</source>
        <translation>Zeigt die laufenden Egress-Proxys: ihre Listener, die Personas, die sie bedienen, und ihre Zähler.</translation>
    </message>
    <message>
        <source>Print JSON (one object per proxy).</source>
        <translation>JSON ausgeben (ein Objekt pro Proxy).</translation>
    </message>
    <message>
        <source>No egress proxy is running. Start Paddock, paddockctl serve, or paddockctl proxy listen.</source>
        <translation>Es läuft kein Egress-Proxy. Starten Sie Paddock, paddockctl serve oder paddockctl proxy listen.</translation>
    </message>
    <message>
        <source>Proxy (pid %1)</source>
        <translation>Proxy (PID %1)</translation>
    </message>
    <message>
        <source>, through %1</source>
        <translation>, über %1</translation>
    </message>
    <message>
        <source>  listening on %1 for %2</source>
        <translation>  lauscht auf %1 für %2</translation>
    </message>
    <message>
        <source>PERSONA</source>
        <translation>PERSONA</translation>
    </message>
    <message>
        <source>OPEN</source>
        <translation>OFFEN</translation>
    </message>
    <message>
        <source>REQUESTS</source>
        <translation>ANFRAGEN</translation>
    </message>
    <message>
        <source>ALLOWED</source>
        <translation>ERLAUBT</translation>
    </message>
    <message>
        <source>DENIED</source>
        <translation>VERWEHRT</translation>
    </message>
    <message>
        <source>WOULD-DENY</source>
        <translation>WÜRDE-VERW.</translation>
    </message>
    <message>
        <source>LIMITED</source>
        <translation>BEGRENZT</translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation>FEHLGESCHL.</translation>
    </message>
    <message>
        <source>BYTES UP/DOWN</source>
        <translation>BYTES HOCH/RUNTER</translation>
    </message>
    <message>
        <source>Threads serving connections (default: one per core, at most 4).</source>
        <translation>Threads, die Verbindungen bedienen (Vorgabe: einer pro Kern, höchstens 4).</translation>
    </message>
    <message>
        <source>--workers takes a number from 0 (one per core) to 8, not &quot;%1&quot;</source>
        <translation>--workers erwartet eine Zahl von 0 (einer pro Kern) bis 8, nicht „%1“</translation>
    </message>
    <message>
        <source>NETWORK</source>
        <translation>NETZ</translation>
    </message>
    <message>
        <source>The audit log: every decision and action, hash-chained.</source>
        <translation>Das Audit-Protokoll: jede Entscheidung und jede Aktion, per Hash verkettet.</translation>
    </message>
    <message>
        <source>Checks the log&apos;s hash chain and its head file.</source>
        <translation>Prüft die Hash-Kette des Protokolls und seine Kopfdatei.</translation>
    </message>
    <message>
        <source>Prints the newest events; with --follow every new one.</source>
        <translation>Gibt die neuesten Ereignisse aus; mit --follow jedes neue.</translation>
    </message>
    <message>
        <source>Writes events as JSON Lines or CSV.</source>
        <translation>Schreibt Ereignisse als JSON Lines oder CSV.</translation>
    </message>
    <message>
        <source>Usage: %1 COMMAND [OPTIONS]</source>
        <translation>Aufruf: %1 BEFEHL [OPTIONEN]</translation>
    </message>
    <message>
        <source>Commands:</source>
        <translation>Befehle:</translation>
    </message>
    <message>
        <source>%1 COMMAND --help describes a command and its options.</source>
        <translation>%1 BEFEHL --help beschreibt einen Befehl und seine Optionen.</translation>
    </message>
    <message>
        <source>%1 and %2</source>
        <translation>%1 und %2</translation>
    </message>
    <message>
        <source>(see %1 --help)</source>
        <translation>(siehe %1 --help)</translation>
    </message>
    <message>
        <source>%1: unknown command &quot;%2&quot;; the commands are %3 (see %1 --help)</source>
        <translation>%1: unbekannter Befehl „%2“; die Befehle sind %3 (siehe %1 --help)</translation>
    </message>
    <message>
        <source>Paddock&apos;s agent image.</source>
        <translation>Das Agent-Abbild von Paddock.</translation>
    </message>
    <message>
        <source>Builds the agent image from Debian&apos;s mirror (root, network).</source>
        <translation>Baut das Agent-Abbild aus dem Debian-Spiegel (root, Netzwerk).</translation>
    </message>
    <message>
        <source>Says whether the container engine has the agent image.</source>
        <translation>Sagt, ob der Container-Dienst das Agent-Abbild hat.</translation>
    </message>
    <message>
        <source>Runs Paddock&apos;s engine without a window (personas, egress proxies, git transports, the audit log) until SIGINT or SIGTERM.</source>
        <translation>Führt den Dienst von Paddock ohne Fenster aus (Personas, Egress-Proxys, Git-Transporte, das Audit-Protokoll), bis SIGINT oder SIGTERM eintrifft.</translation>
    </message>
    <message>
        <source>paddockctl serve: unexpected argument &quot;%1&quot;; see paddockctl serve --help</source>
        <translation>paddockctl serve: unerwartetes Argument „%1“; siehe paddockctl serve --help</translation>
    </message>
    <message>
        <source>Personas and their containers.</source>
        <translation>Personas und ihre Container.</translation>
    </message>
    <message>
        <source>Exit codes: 0 done, 1 the engine refused or the action failed, 2 bad usage or an unknown persona, 3 no container engine.</source>
        <translation>Exit-Codes: 0 erledigt, 1 der Container-Dienst hat abgelehnt oder die Aktion ist fehlgeschlagen, 2 falscher Aufruf oder unbekannte Persona, 3 kein Container-Dienst.</translation>
    </message>
    <message>
        <source>Decisions the enforcement points ask for.</source>
        <translation>Entscheidungen, die die Durchsetzungspunkte erfragen.</translation>
    </message>
    <message>
        <source>Decides whether a persona may update a ref (the mirrors&apos; hooks ask).</source>
        <translation>Entscheidet, ob eine Persona eine Ref ändern darf (die Hooks der Spiegel fragen).</translation>
    </message>
    <message>
        <source>Cedar policies.</source>
        <translation>Cedar-Richtlinien.</translation>
    </message>
    <message>
        <source>Checks that policy files parse (and validate against a schema).</source>
        <translation>Prüft, ob sich Richtliniendateien parsen lassen (und gegen ein Schema validieren).</translation>
    </message>
    <message>
        <source>Decides one request against a policy set.</source>
        <translation>Entscheidet eine Anfrage gegen einen Richtliniensatz.</translation>
    </message>
    <message>
        <source>Runs tests in Cedar&apos;s integration-test format.</source>
        <translation>Führt Tests im Integrationstest-Format von Cedar aus.</translation>
    </message>
    <message>
        <source>Formats policy files in the canonical layout.</source>
        <translation>Formatiert Richtliniendateien im kanonischen Layout.</translation>
    </message>
    <message>
        <source>Decisions the enforcement points ask for (git-push).</source>
        <translation>Entscheidungen, die die Durchsetzungspunkte erfragen (git-push).</translation>
    </message>
    <message>
        <source>The egress proxy.</source>
        <translation>Der Egress-Proxy.</translation>
    </message>
    <message>
        <source>Runs a persona&apos;s egress proxy in the foreground.</source>
        <translation>Führt den Egress-Proxy einer Persona im Vordergrund aus.</translation>
    </message>
    <message>
        <source>Shows the running egress proxies and their counters.</source>
        <translation>Zeigt die laufenden Egress-Proxys und ihre Zähler.</translation>
    </message>
    <message>
        <source>Workspaces: a persona&apos;s own clone of a repository.</source>
        <translation>Arbeitsbereiche: der eigene Klon eines Repositorys für eine Persona.</translation>
    </message>
    <message>
        <source>Makes a workspace of a repository for a persona.</source>
        <translation>Erstellt einen Arbeitsbereich aus einem Repository für eine Persona.</translation>
    </message>
    <message>
        <source>Lists the workspaces.</source>
        <translation>Listet die Arbeitsbereiche auf.</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keins</translation>
    </message>
    <message>
        <source>default</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source>made the workspace %1; starting %2</source>
        <translation>Arbeitsbereich %1 erstellt; %2 wird gestartet</translation>
    </message>
    <message>
        <source>cancelling: removing what was made</source>
        <translation>Abbruch: Das Erstellte wird entfernt</translation>
    </message>
    <message>
        <source>starting %1 on its workspace %2 (branch %3)</source>
        <translation>%1 wird mit seinem Arbeitsbereich %2 gestartet (Branch %3)</translation>
    </message>
    <message>
        <source>warning: --base %1 is not used: the workspace exists already, made from %2</source>
        <translation>Warnung: --base %1 wird nicht verwendet: Der Arbeitsbereich existiert bereits, erstellt aus %2</translation>
    </message>
    <message>
        <source>making a workspace of %1 for %2 on the branch %2/%3</source>
        <translation>Arbeitsbereich aus %1 für %2 auf dem Branch %2/%3 wird erstellt</translation>
    </message>
    <message>
        <source>Starts a persona&apos;s container. With --workspace, on its own copy of the repository REPO, as dropping the folder on the persona&apos;s card does: the workspace it has of REPO for the feature, else a new one on the branch &lt;persona&gt;/&lt;feature&gt;. Prints the workspace&apos;s path and branch.</source>
        <translation>Startet den Container einer Persona. Mit --workspace auf ihrer eigenen Kopie des Repositorys REPO, wie wenn der Ordner auf die Karte der Persona gezogen wird: der Arbeitsbereich, den sie aus REPO für das Feature schon hat, sonst ein neuer auf dem Branch &lt;persona&gt;/&lt;feature&gt;. Gibt Pfad und Branch des Arbeitsbereichs aus.</translation>
    </message>
    <message>
        <source>Start it on a workspace of the repository at REPO (made when it has none for the feature).</source>
        <translation>Auf einem Arbeitsbereich des Repositorys unter REPO starten (erstellt, wenn sie für das Feature keinen hat).</translation>
    </message>
    <message>
        <source>REPO</source>
        <translation>REPO</translation>
    </message>
    <message>
        <source>The feature: the branch is &lt;persona&gt;/F (default: from the folder and today&apos;s date).</source>
        <translation>Das Feature: Der Branch ist &lt;persona&gt;/F (Standard: aus dem Ordner und dem heutigen Datum).</translation>
    </message>
    <message>
        <source>The branch, tag or commit a new workspace starts from (default: the current branch).</source>
        <translation>Der Branch, Tag oder Commit, von dem ein neuer Arbeitsbereich ausgeht (Standard: der aktuelle Branch).</translation>
    </message>
    <message>
        <source>BRANCH</source>
        <translation>BRANCH</translation>
    </message>
    <message>
        <source>&quot;%1&quot; cannot be a feature name: use letters, digits, &apos;-&apos;, &apos;_&apos; and &apos;.&apos;, at most 64, not starting with &apos;.&apos; or &apos;-&apos;</source>
        <translation>„%1“ kann kein Feature-Name sein: Verwenden Sie Buchstaben, Ziffern, „-“, „_“ und „.“, höchstens 64, nicht mit „.“ oder „-“ am Anfang</translation>
    </message>
    <message>
        <source>--feature and --base go with --workspace REPO</source>
        <translation>--feature und --base gehören zu --workspace REPO</translation>
    </message>
    <message>
        <source>Starts a persona&apos;s container; with --workspace REPO, on its own copy of REPO.</source>
        <translation>Startet den Container einer Persona; mit --workspace REPO auf ihrer eigenen Kopie von REPO.</translation>
    </message>
    <message>
        <source>Runs the egress proxy for PERSONA on ADDRESS:PORT or on a Unix socket in the foreground until SIGINT or SIGTERM, with the policies of its trust level and its decisions in the audit log. For tests, and for a persona whose container Paddock does not run.</source>
        <translation>Führt den Egress-Proxy für PERSONA auf ADRESSE:PORT oder auf einem Unix-Socket im Vordergrund aus, bis SIGINT oder SIGTERM eintrifft, mit den Richtlinien ihrer Vertrauensstufe und ihren Entscheidungen im Audit-Protokoll. Für Tests und für eine Persona, deren Container Paddock nicht ausführt.</translation>
    </message>
    <message>
        <source>Listen on this Unix socket instead (as for an isolated persona&apos;s egress socket: whoever connects there is PERSONA).</source>
        <translation>Stattdessen auf diesem Unix-Socket lauschen (wie beim Egress-Socket einer isolierten Persona: wer sich dort verbindet, ist PERSONA).</translation>
    </message>
    <message>
        <source>--persona and one of --address or --socket are required</source>
        <translation>--persona und entweder --address oder --socket sind erforderlich</translation>
    </message>
    <message>
        <source>Build Paddock&apos;s agent image (Debian 13 with git, OpenSSH, curl, the user dev and the coding agents Claude Code, Codex, opencode and Copilot CLI at their pinned versions) from Debian&apos;s mirror and the npm registry, and import it into the container engine. Needs root (the recipe uses debootstrap), network access and a few minutes; the image is about 1.8 GB.</source>
        <translation>Baut Paddocks Agent-Image (Debian 13 mit git, OpenSSH, curl, dem Benutzer dev und den Coding-Agenten Claude Code, Codex, opencode und Copilot CLI in ihren festgelegten Versionen) aus Debians Spiegel und der npm-Registry und importiert es in die Container-Engine. Braucht root (das Rezept verwendet debootstrap), Netzwerkzugang und einige Minuten; das Image ist etwa 1,8 GB groß.</translation>
    </message>
    <message>
        <source>Leave the coding agents out (about 300 MB, no npm).</source>
        <translation>Die Coding-Agenten weglassen (etwa 300 MB, kein npm).</translation>
    </message>
    <message>
        <source>agents: none (built with --no-agents, or by an older Paddock)</source>
        <translation>Agenten: keine (mit --no-agents gebaut, oder von einem älteren Paddock)</translation>
    </message>
    <message>
        <source>agents: %1</source>
        <translation>Agenten: %1</translation>
    </message>
    <message>
        <source>AGENT</source>
        <translation>AGENT</translation>
    </message>
    <message>
        <source>A terminal on a persona&apos;s agent: its tmux session (a shell when it runs no agent), in this terminal. Detach with Ctrl-b d; the agent goes on.</source>
        <translation>Ein Terminal am Agenten einer Persona: seine tmux-Sitzung (eine Shell, wenn sie keinen Agenten ausführt), in diesem Terminal. Mit Strg-b d lösen; der Agent läuft weiter.</translation>
    </message>
    <message>
        <source>Print the command that attaches instead of running it.</source>
        <translation>Den Befehl zum Verbinden ausgeben, statt ihn auszuführen.</translation>
    </message>
    <message>
        <source>%1 is not running; start it first: paddockctl persona start %1</source>
        <translation>%1 läuft nicht; zuerst starten: paddockctl persona start %1</translation>
    </message>
    <message>
        <source>attaching needs a terminal (standard input and output); --print gives the command for one</source>
        <translation>Verbinden braucht ein Terminal (Standardeingabe und -ausgabe); --print gibt den Befehl dafür aus</translation>
    </message>
    <message>
        <source>the %1 command is not installed; install it (it comes with the engine), or run this in a terminal that has it: %2</source>
        <translation>der Befehl %1 ist nicht installiert; installieren Sie ihn (er gehört zur Engine) oder führen Sie dies in einem Terminal aus, das ihn hat: %2</translation>
    </message>
    <message>
        <source>cannot run %1: %2</source>
        <translation>%1 kann nicht ausgeführt werden: %2</translation>
    </message>
    <message>
        <source>A terminal on a persona&apos;s agent (its tmux session).</source>
        <translation>Ein Terminal am Agenten einer Persona (seine tmux-Sitzung).</translation>
    </message>
    <message>
        <source>Prints the next instants of a schedule strictly after a time (default: now), one per line in ISO 8601 with the zone&apos;s UTC offset, or &quot;never&quot; when there is none. EXPR is 5 cron fields (minute hour day-of-month month day-of-week; quote it), a macro such as @daily, or &quot;on start&quot;. Daylight saving time as Debian&apos;s cron has it; see docs/jobs.md.</source>
        <translation>Gibt die nächsten Zeitpunkte eines Zeitplans strikt nach einem Zeitpunkt aus (Vorgabe: jetzt), einen pro Zeile in ISO 8601 mit dem UTC-Versatz der Zone, oder „never“, wenn es keinen gibt. EXPR sind 5 Cron-Felder (Minute Stunde Tag-des-Monats Monat Wochentag; in Anführungszeichen setzen), ein Makro wie @daily oder „on start“. Sommerzeit wird wie bei Debians cron behandelt; siehe docs/jobs.md.</translation>
    </message>
    <message>
        <source>The schedule, e.g. &quot;30 2 * * 1-5&quot;.</source>
        <translation>Der Zeitplan, z. B. „30 2 * * 1-5“.</translation>
    </message>
    <message>
        <source>The IANA time zone (default: the system&apos;s, %1).</source>
        <translation>Die IANA-Zeitzone (Vorgabe: die des Systems, %1).</translation>
    </message>
    <message>
        <source>ZONE</source>
        <translation>ZONE</translation>
    </message>
    <message>
        <source>Start after this time: ISO 8601 with an offset or Z, or a local time in the zone (default: now).</source>
        <translation>Nach diesem Zeitpunkt beginnen: ISO 8601 mit Versatz oder Z, oder eine Ortszeit in der Zone (Vorgabe: jetzt).</translation>
    </message>
    <message>
        <source>How many instants (default 1).</source>
        <translation>Wie viele Zeitpunkte (Vorgabe 1).</translation>
    </message>
    <message>
        <source>%1: no schedule given; see --help</source>
        <translation>%1: kein Zeitplan angegeben; siehe --help</translation>
    </message>
    <message>
        <source>%1: --count must be a number from 1 to 100000, not &quot;%2&quot;</source>
        <translation>%1: --count muss eine Zahl von 1 bis 100000 sein, nicht „%2“</translation>
    </message>
    <message>
        <source>%1: --from &quot;%2&quot; is not a time: write ISO 8601, e.g. 2026-03-29T01:30:00+01:00, 2026-03-29T00:30:00Z or 2026-03-29T01:30 (in the zone)</source>
        <translation>%1: --from „%2“ ist kein Zeitpunkt: Schreiben Sie ISO 8601, z. B. 2026-03-29T01:30:00+01:00, 2026-03-29T00:30:00Z oder 2026-03-29T01:30 (in der Zone)</translation>
    </message>
    <message>
        <source>Jobs&apos; schedules.</source>
        <translation>Die Zeitpläne der Jobs.</translation>
    </message>
    <message>
        <source>Prints when a schedule fires next, in a time zone.</source>
        <translation>Gibt aus, wann ein Zeitplan als Nächstes auslöst, in einer Zeitzone.</translation>
    </message>
    <message>
        <source>there is no job &quot;%1&quot; (see paddockctl job list)</source>
        <translation>es gibt keinen Job „%1“ (siehe paddockctl job list)</translation>
    </message>
    <message>
        <source>name one job (see paddockctl job list)</source>
        <translation>Geben Sie einen Job an (siehe paddockctl job list)</translation>
    </message>
    <message>
        <source>unexpected &quot;%1&quot; after the job&apos;s name: quote a schedule (--schedule &apos;30 2 * * *&apos;); a command goes after --command --</source>
        <translation>unerwartetes „%1“ nach dem Namen des Jobs: Setzen Sie einen Zeitplan in Anführungszeichen (--schedule &apos;30 2 * * *&apos;); ein Befehl gehört hinter --command --</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>on start</source>
        <translation>beim Start</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>no: %1</source>
        <translation>nein: %1</translation>
    </message>
    <message>
        <source>disabled (%1)</source>
        <translation>deaktiviert (%1)</translation>
    </message>
    <message>
        <source>runs when the scheduler starts</source>
        <translation>läuft beim Start des Zeitplaners</translation>
    </message>
    <message>
        <source>never runs: no time matches its schedule</source>
        <translation>läuft nie: kein Zeitpunkt passt zu seinem Zeitplan</translation>
    </message>
    <message>
        <source>runs next at %1</source>
        <translation>läuft als Nächstes um %1</translation>
    </message>
    <message>
        <source>The jobs: their persona, schedule and time zone, when each runs next (in its zone, ISO 8601 with the UTC offset) and whether it is enabled.</source>
        <translation>Die Jobs: ihre Persona, ihr Zeitplan und ihre Zeitzone, wann jeder als Nächstes läuft (in seiner Zone, ISO 8601 mit dem UTC-Versatz) und ob er aktiviert ist.</translation>
    </message>
    <message>
        <source>A JSON array: each job as jobs.json has it, with &quot;next&quot; (null when it runs at no time: disabled, on start, never).</source>
        <translation>Ein JSON-Array: jeder Job wie in jobs.json, mit „next“ (null, wenn er zu keinem Zeitpunkt läuft: deaktiviert, on start, nie).</translation>
    </message>
    <message>
        <source>unexpected argument &quot;%1&quot;; see paddockctl job list --help</source>
        <translation>unerwartetes Argument „%1“; siehe paddockctl job list --help</translation>
    </message>
    <message>
        <source>SCHEDULE</source>
        <translation>ZEITPLAN</translation>
    </message>
    <message>
        <source>NEXT RUN</source>
        <translation>NÄCHSTER LAUF</translation>
    </message>
    <message>
        <source>ENABLED</source>
        <translation>AKTIVIERT</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>No jobs yet; paddockctl job add makes one (see paddockctl job add --help).</source>
        <translation>Noch keine Jobs; paddockctl job add legt einen an (siehe paddockctl job add --help).</translation>
    </message>
    <message>
        <source>Every setting of a job, its schedule in words, and the next 5 times the schedule fires.</source>
        <translation>Jede Einstellung eines Jobs, sein Zeitplan in Worten und die nächsten 5 Zeitpunkte, zu denen der Zeitplan auslöst.</translation>
    </message>
    <message>
        <source>A JSON object: the job as jobs.json has it, with &quot;next&quot; (as in job list --json), &quot;description&quot; and &quot;nextRuns&quot; (the next 5 times, enabled or not).</source>
        <translation>Ein JSON-Objekt: der Job wie in jobs.json, mit „next“ (wie bei job list --json), „description“ und „nextRuns“ (die nächsten 5 Zeitpunkte, ob aktiviert oder nicht).</translation>
    </message>
    <message>
        <source>The job.</source>
        <translation>Der Job.</translation>
    </message>
    <message>
        <source>the persona&apos;s</source>
        <translation>Vorgabe der Persona</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>unbegrenzt</translation>
    </message>
    <message>
        <source>name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>persona</source>
        <translation>Persona</translation>
    </message>
    <message>
        <source>repository</source>
        <translation>Repository</translation>
    </message>
    <message>
        <source>base branch</source>
        <translation>Basis-Branch</translation>
    </message>
    <message>
        <source>prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>none (a command)</source>
        <translation>keiner (ein Befehl)</translation>
    </message>
    <message>
        <source>model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>effort</source>
        <translation>Aufwand</translation>
    </message>
    <message>
        <source>schedule</source>
        <translation>Zeitplan</translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation>%1 in %2</translation>
    </message>
    <message>
        <source>in words</source>
        <translation>in Worten</translation>
    </message>
    <message>
        <source>timeout</source>
        <translation>Zeitlimit</translation>
    </message>
    <message>
        <source>soft tokens</source>
        <translation>weiche Token-Grenze</translation>
    </message>
    <message>
        <source>hard tokens</source>
        <translation>harte Token-Grenze</translation>
    </message>
    <message>
        <source>soft cost</source>
        <translation>weiche Kostengrenze</translation>
    </message>
    <message>
        <source>%1 USD</source>
        <translation>%1 USD</translation>
    </message>
    <message>
        <source>hard cost</source>
        <translation>harte Kostengrenze</translation>
    </message>
    <message>
        <source>overlap</source>
        <translation>Überlappung</translation>
    </message>
    <message>
        <source>catch-up</source>
        <translation>Nachholen</translation>
    </message>
    <message>
        <source>catch-up limit</source>
        <translation>Nachholgrenze</translation>
    </message>
    <message>
        <source>max lateness</source>
        <translation>maximale Verspätung</translation>
    </message>
    <message>
        <source>retries</source>
        <translation>Wiederholungen</translation>
    </message>
    <message>
        <source>failure threshold</source>
        <translation>Fehlschlag-Schwelle</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>next runs:</source>
        <translation>nächste Läufe:</translation>
    </message>
    <message>
        <source>next runs, once enabled:</source>
        <translation>nächste Läufe, sobald aktiviert:</translation>
    </message>
    <message>
        <source>when the scheduler starts</source>
        <translation>beim Start des Zeitplaners</translation>
    </message>
    <message>
        <source>there is no persona &quot;%1&quot;; the personas are %2 (see paddockctl persona list)</source>
        <translation>es gibt keine Persona „%1“; die Personas sind %2 (siehe paddockctl persona list)</translation>
    </message>
    <message>
        <source>Adds a job: an agent run unattended on a schedule, in a fresh container of its persona on a fresh copy of the repository&apos;s base branch; or a command run there instead of an agent. Give --persona, --repository, --schedule, and --prompt or --command -- CMD ARGS…</source>
        <translation>Fügt einen Job hinzu: einen Agenten, der unbeaufsichtigt nach einem Zeitplan läuft, in einem frischen Container seiner Persona auf einer frischen Kopie des Basis-Branches des Repositorys; oder einen Befehl, der dort statt eines Agenten läuft. Anzugeben sind --persona, --repository, --schedule sowie --prompt oder --command -- CMD ARGS…</translation>
    </message>
    <message>
        <source>The job&apos;s name: a lowercase letter, then up to 30 lowercase letters, digits and hyphens.</source>
        <translation>Der Name des Jobs: ein Kleinbuchstabe, dann bis zu 30 Kleinbuchstaben, Ziffern und Bindestriche.</translation>
    </message>
    <message>
        <source>a job needs %1 (see paddockctl job add --help)</source>
        <translation>ein Job braucht %1 (siehe paddockctl job add --help)</translation>
    </message>
    <message>
        <source>a job needs --prompt TEXT for its agent, or --command -- CMD ARGS… to run instead</source>
        <translation>ein Job braucht --prompt TEXT für seinen Agenten oder --command -- CMD ARGS…, um stattdessen einen Befehl auszuführen</translation>
    </message>
    <message>
        <source>%1: added; %2</source>
        <translation>%1: hinzugefügt; %2</translation>
    </message>
    <message>
        <source>Changes a job: only the settings whose options are given. --prompt replaces a command and --command -- CMD ARGS… a prompt; an empty --agent, --model or --effort means the persona&apos;s.</source>
        <translation>Ändert einen Job: nur die Einstellungen, deren Optionen angegeben sind. --prompt ersetzt einen Befehl und --command -- CMD ARGS… einen Prompt; ein leeres --agent, --model oder --effort bedeutet die Vorgabe der Persona.</translation>
    </message>
    <message>
        <source>Give the job a new name.</source>
        <translation>Dem Job einen neuen Namen geben.</translation>
    </message>
    <message>
        <source>NEW</source>
        <translation>NEU</translation>
    </message>
    <message>
        <source>nothing to change: give the options to change (see paddockctl job edit --help)</source>
        <translation>nichts zu ändern: Geben Sie die zu ändernden Optionen an (siehe paddockctl job edit --help)</translation>
    </message>
    <message>
        <source>--rename: a job named &quot;%1&quot; exists already; choose another name</source>
        <translation>--rename: ein Job namens „%1“ existiert bereits; wählen Sie einen anderen Namen</translation>
    </message>
    <message>
        <source>%1: changed; %2</source>
        <translation>%1: geändert; %2</translation>
    </message>
    <message>
        <source>%1: changed, now named %2; %3</source>
        <translation>%1: geändert, heißt jetzt %2; %3</translation>
    </message>
    <message>
        <source>Removes a job from jobs.json.</source>
        <translation>Entfernt einen Job aus jobs.json.</translation>
    </message>
    <message>
        <source>Disables a job: it does not run until enabled again; the reason is shown with it.</source>
        <translation>Deaktiviert einen Job: Er läuft nicht, bis er wieder aktiviert wird; der Grund wird bei ihm angezeigt.</translation>
    </message>
    <message>
        <source>Enables a job (clearing the reason it was disabled for).</source>
        <translation>Aktiviert einen Job (und löscht den Grund, aus dem er deaktiviert war).</translation>
    </message>
    <message>
        <source>Why, as job list shows it (default: &quot;disabled by you&quot;).</source>
        <translation>Warum, wie job list es anzeigt (Vorgabe: „von Ihnen deaktiviert“).</translation>
    </message>
    <message>
        <source>%1: removed</source>
        <translation>%1: entfernt</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Jobs: agent runs on a schedule, kept in %1.</source>
        <translation>Jobs: Agentenläufe nach Zeitplan, gespeichert in %1.</translation>
    </message>
    <message>
        <source>The jobs, their schedules and when each runs next.</source>
        <translation>Die Jobs, ihre Zeitpläne und wann jeder als Nächstes läuft.</translation>
    </message>
    <message>
        <source>Every setting of a job and its next runs.</source>
        <translation>Jede Einstellung eines Jobs und seine nächsten Läufe.</translation>
    </message>
    <message>
        <source>Adds a job.</source>
        <translation>Fügt einen Job hinzu.</translation>
    </message>
    <message>
        <source>Changes settings of a job.</source>
        <translation>Ändert Einstellungen eines Jobs.</translation>
    </message>
    <message>
        <source>Removes a job.</source>
        <translation>Entfernt einen Job.</translation>
    </message>
    <message>
        <source>Enables a job.</source>
        <translation>Aktiviert einen Job.</translation>
    </message>
    <message>
        <source>Disables a job, with a reason.</source>
        <translation>Deaktiviert einen Job, mit einem Grund.</translation>
    </message>
    <message>
        <source>Runs a job now, in the Paddock that runs the jobs.</source>
        <translation>Führt einen Job jetzt aus, in dem Paddock, das die Jobs ausführt.</translation>
    </message>
    <message>
        <source>The runs of a job, or of every job.</source>
        <translation>Die Läufe eines Jobs oder aller Jobs.</translation>
    </message>
    <message>
        <source>Exit codes: 0 done, 1 jobs.json or personas.json could not be read or written (the file is left as it is), 2 bad usage, a setting that is not acceptable, or an unknown job or persona.</source>
        <translation>Exit-Codes: 0 erledigt, 1 jobs.json oder personas.json konnte nicht gelesen oder geschrieben werden (die Datei bleibt unverändert), 2 falscher Aufruf, eine unzulässige Einstellung oder ein unbekannter Job oder eine unbekannte Persona.</translation>
    </message>
    <message>
        <source>%1 Default: %2.</source>
        <translation>%1 Vorgabe: %2.</translation>
    </message>
    <message>
        <source>disabled by you</source>
        <translation>von Ihnen deaktiviert</translation>
    </message>
    <message>
        <source>The persona whose container runs the job.</source>
        <translation>Die Persona, deren Container den Job ausführt.</translation>
    </message>
    <message>
        <source>The git repository the job works on, a fresh copy of its base branch each run (a relative path is made absolute).</source>
        <translation>Das Git-Repository, an dem der Job arbeitet, bei jedem Lauf eine frische Kopie seines Basis-Branches (ein relativer Pfad wird absolut gemacht).</translation>
    </message>
    <message>
        <source>When it runs: 5 cron fields (quote them), a macro such as @daily, or &quot;on start&quot;; see paddockctl schedule next --help.</source>
        <translation>Wann er läuft: 5 Cron-Felder (in Anführungszeichen), ein Makro wie @daily oder „on start“; siehe paddockctl schedule next --help.</translation>
    </message>
    <message>
        <source>EXPR</source>
        <translation>EXPR</translation>
    </message>
    <message>
        <source>What the agent is asked (instead of a command; replaces one).</source>
        <translation>Worum der Agent gebeten wird (statt eines Befehls; ersetzt einen).</translation>
    </message>
    <message>
        <source>Run the command after -- instead of an agent, e.g. --command -- make test (replaces the prompt, and the agent, model and effort a command does not use).</source>
        <translation>Den Befehl nach -- statt eines Agenten ausführen, z. B. --command -- make test (ersetzt den Prompt sowie Agent, Modell und Aufwand, die ein Befehl nicht verwendet).</translation>
    </message>
    <message>
        <source>The IANA time zone the schedule counts in.</source>
        <translation>Die IANA-Zeitzone, in der der Zeitplan rechnet.</translation>
    </message>
    <message>
        <source>The branch each run starts from.</source>
        <translation>Der Branch, von dem jeder Lauf ausgeht.</translation>
    </message>
    <message>
        <source>The agent: %1; empty for the persona&apos;s.</source>
        <translation>Der Agent: %1; leer für die Vorgabe der Persona.</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>The agent&apos;s model; empty for the persona&apos;s.</source>
        <translation>Das Modell des Agenten; leer für die Vorgabe der Persona.</translation>
    </message>
    <message>
        <source>M</source>
        <translation>M</translation>
    </message>
    <message>
        <source>The agent&apos;s reasoning effort: %1; empty for the persona&apos;s.</source>
        <translation>Der Denkaufwand des Agenten: %1; leer für die Vorgabe der Persona.</translation>
    </message>
    <message>
        <source>E</source>
        <translation>E</translation>
    </message>
    <message>
        <source>Minutes a run may take, its container&apos;s setup included.</source>
        <translation>Minuten, die ein Lauf dauern darf, einschließlich der Einrichtung seines Containers.</translation>
    </message>
    <message>
        <source>MIN</source>
        <translation>MIN</translation>
    </message>
    <message>
        <source>Tokens after which a run warns (0: no limit).</source>
        <translation>Tokens, ab denen ein Lauf warnt (0: keine Grenze).</translation>
    </message>
    <message>
        <source>Tokens at which a run is stopped (0: no limit).</source>
        <translation>Tokens, bei denen ein Lauf angehalten wird (0: keine Grenze).</translation>
    </message>
    <message>
        <source>US dollars after which a run warns (0: no limit).</source>
        <translation>US-Dollar, ab denen ein Lauf warnt (0: keine Grenze).</translation>
    </message>
    <message>
        <source>USD</source>
        <translation>USD</translation>
    </message>
    <message>
        <source>US dollars at which a run is stopped (0: no limit).</source>
        <translation>US-Dollar, bei denen ein Lauf angehalten wird (0: keine Grenze).</translation>
    </message>
    <message>
        <source>When a run is due while the last one still runs: forbid (skip the new one), allow (both run) or replace (cancel the old one).</source>
        <translation>Wenn ein Lauf fällig ist, während der letzte noch läuft: forbid (den neuen überspringen), allow (beide laufen) oder replace (den alten abbrechen).</translation>
    </message>
    <message>
        <source>MODE</source>
        <translation>MODUS</translation>
    </message>
    <message>
        <source>Runs missed while Paddock was not running: skip them, run the latest once, or all (up to --catch-up-limit).</source>
        <translation>Läufe, die verpasst wurden, während Paddock nicht lief: skip (überspringen), latest (den letzten einmal ausführen) oder all (alle, bis zu --catch-up-limit).</translation>
    </message>
    <message>
        <source>With --catch-up all: at most this many missed runs.</source>
        <translation>Mit --catch-up all: höchstens so viele verpasste Läufe.</translation>
    </message>
    <message>
        <source>Minutes after which a missed run is not caught up.</source>
        <translation>Minuten, nach denen ein verpasster Lauf nicht mehr nachgeholt wird.</translation>
    </message>
    <message>
        <source>Retries of a run that failed for a passing reason (the engine away).</source>
        <translation>Wiederholungen eines Laufs, der aus einem vorübergehenden Grund fehlschlug (Container-Dienst nicht erreichbar).</translation>
    </message>
    <message>
        <source>Failures in a row that disable the job.</source>
        <translation>Fehlschläge in Folge, die den Job deaktivieren.</translation>
    </message>
    <message>
        <source>Disable the job (&quot;disabled by you&quot;); paddockctl job enable enables it.</source>
        <translation>Den Job deaktivieren („von Ihnen deaktiviert“); paddockctl job enable aktiviert ihn.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; after --: to run a command instead of an agent, say --command -- %1</source>
        <translation>„%1“ nach --: Um einen Befehl statt eines Agenten auszuführen, schreiben Sie --command -- %1</translation>
    </message>
    <message>
        <source>--command wants the command after --, e.g. --command -- make test</source>
        <translation>--command erwartet den Befehl nach --, z. B. --command -- make test</translation>
    </message>
    <message>
        <source>give --prompt or --command, not both: a job runs an agent on a prompt, or a command</source>
        <translation>geben Sie --prompt oder --command an, nicht beides: ein Job führt einen Agenten mit einem Prompt aus oder einen Befehl</translation>
    </message>
    <message>
        <source>--repository: &quot;%1&quot; is not a folder; give the folder of a git repository</source>
        <translation>--repository: „%1“ ist kein Ordner; geben Sie den Ordner eines Git-Repositorys an</translation>
    </message>
    <message>
        <source>--repository: %1 is not a git repository; give the top folder of a work tree (the one with .git) or a bare repository</source>
        <translation>--repository: %1 ist kein Git-Repository; geben Sie den obersten Ordner eines Arbeitsbaums (den mit .git) oder ein Bare-Repository an</translation>
    </message>
    <message>
        <source>--%1 wants a whole number, not &quot;%2&quot;</source>
        <translation>--%1 erwartet eine ganze Zahl, nicht „%2“</translation>
    </message>
    <message>
        <source>--%1 wants a number of tokens from 0 (no limit) to %2, not &quot;%3&quot;</source>
        <translation>--%1 erwartet eine Anzahl Tokens von 0 (keine Grenze) bis %2, nicht „%3“</translation>
    </message>
    <message>
        <source>--%1 wants US dollars from 0 (no limit) to %2, such as 2.50, not &quot;%3&quot;</source>
        <translation>--%1 erwartet US-Dollar von 0 (keine Grenze) bis %2, etwa 2.50, nicht „%3“</translation>
    </message>
    <message>
        <source>--overlap &quot;%1&quot;: use forbid, allow or replace</source>
        <translation>--overlap „%1“: verwenden Sie forbid, allow oder replace</translation>
    </message>
    <message>
        <source>--catch-up &quot;%1&quot;: use skip, latest or all</source>
        <translation>--catch-up „%1“: verwenden Sie skip, latest oder all</translation>
    </message>
    <message>
        <source>run %1 of %2: %3</source>
        <translation>Lauf %1 von %2: %3</translation>
    </message>
    <message>
        <source> (exit code %1)</source>
        <translation> (Exit-Code %1)</translation>
    </message>
    <message>
        <source>Asks the Paddock that runs the jobs (the app, or paddockctl serve) to run JOB now, and follows the run until it ends. Exit codes: 0 the run succeeded (or was queued, with --detach), 1 it did not, or no Paddock runs the jobs, 2 bad usage or refused.</source>
        <translation>Bittet das Paddock, das die Jobs ausführt (die App oder paddockctl serve), JOB jetzt auszuführen, und verfolgt den Lauf bis zu seinem Ende. Exit-Codes: 0 der Lauf war erfolgreich (oder wurde mit --detach eingereiht), 1 er war es nicht, oder kein Paddock führt die Jobs aus, 2 falscher Aufruf oder abgelehnt.</translation>
    </message>
    <message>
        <source>Return once the run is queued.</source>
        <translation>Zurückkehren, sobald der Lauf eingereiht ist.</translation>
    </message>
    <message>
        <source>paddockctl job run: name one job; see paddockctl job run --help</source>
        <translation>paddockctl job run: Geben Sie einen Job an; siehe paddockctl job run --help</translation>
    </message>
    <message>
        <source>paddockctl job run: no Paddock is running the jobs of this configuration (%1)</source>
        <translation>paddockctl job run: kein Paddock führt die Jobs dieser Konfiguration aus (%1)</translation>
    </message>
    <message>
        <source>Start it: the app, or paddockctl serve (systemctl --user start paddock).</source>
        <translation>Starten Sie es: die App oder paddockctl serve (systemctl --user start paddock).</translation>
    </message>
    <message>
        <source>paddockctl job run: the Paddock that runs the jobs went away</source>
        <translation>paddockctl job run: das Paddock, das die Jobs ausführt, ist nicht mehr erreichbar</translation>
    </message>
    <message>
        <source>run %1 of %2 is %3</source>
        <translation>Lauf %1 von %2 ist %3</translation>
    </message>
    <message>
        <source>run %1 started at %2</source>
        <translation>Lauf %1 gestartet um %2</translation>
    </message>
    <message>
        <source>tokens: %1 in, %2 out, %3 cached; cost: %4</source>
        <translation>Tokens: %1 Eingabe, %2 Ausgabe, %3 aus dem Cache; Kosten: %4</translation>
    </message>
    <message>
        <source>log: %1</source>
        <translation>Protokoll: %1</translation>
    </message>
    <message>
        <source>The runs of JOB (or of every job), newest first: when each was scheduled and when it really started, how it ended and why, its tokens and cost.</source>
        <translation>Die Läufe von JOB (oder aller Jobs), die neuesten zuerst: wann jeder geplant war und wann er tatsächlich begann, wie er endete und warum, seine Tokens und Kosten.</translation>
    </message>
    <message>
        <source>The job (none: every job).</source>
        <translation>Der Job (keiner: alle Jobs).</translation>
    </message>
    <message>
        <source>At most N runs (default 20).</source>
        <translation>Höchstens N Läufe (Vorgabe 20).</translation>
    </message>
    <message>
        <source>One JSON array.</source>
        <translation>Ein JSON-Array.</translation>
    </message>
    <message>
        <source>paddockctl job history: name one job at most</source>
        <translation>paddockctl job history: Geben Sie höchstens einen Job an</translation>
    </message>
    <message>
        <source>paddockctl job history: --limit takes a number from 1 to 100000</source>
        <translation>paddockctl job history: --limit erwartet eine Zahl von 1 bis 100000</translation>
    </message>
    <message>
        <source>no runs yet</source>
        <translation>noch keine Läufe</translation>
    </message>
    <message>
        <source>no runs of %1 yet</source>
        <translation>noch keine Läufe von %1</translation>
    </message>
    <message>
        <source>%1  %2  %3  %4  %5  %6  %7  %8</source>
        <translation>%1  %2  %3  %4  %5  %6  %7  %8</translation>
    </message>
    <message>
        <source>JOB</source>
        <translation>JOB</translation>
    </message>
    <message>
        <source>SCHEDULED</source>
        <translation>GEPLANT</translation>
    </message>
    <message>
        <source>STARTED</source>
        <translation>GESTARTET</translation>
    </message>
    <message>
        <source>TOOK</source>
        <translation>DAUER</translation>
    </message>
    <message>
        <source>TOKENS</source>
        <translation>TOKENS</translation>
    </message>
    <message>
        <source>COST</source>
        <translation>KOSTEN</translation>
    </message>
    <message>
        <source>paddockctl: running the jobs of this configuration</source>
        <translation>paddockctl: führt die Jobs dieser Konfiguration aus</translation>
    </message>
    <message>
        <source>paddockctl: another Paddock runs the jobs; following it</source>
        <translation>paddockctl: ein anderes Paddock führt die Jobs aus; ihm wird gefolgt</translation>
    </message>
    <message>
        <source>serve: run the engine without a window until SIGINT or SIGTERM.
policy validate|authorize|test|format|check: Cedar policies (see paddockctl policy COMMAND --help).
audit verify|tail|export: the audit log (see paddockctl audit COMMAND --help).
persona list|start|stop|restart|logs|attach: personas and their containers (see paddockctl persona COMMAND --help).
workspace create|list: workspaces made from repositories (see paddockctl workspace COMMAND --help).
image build|status: the agent image (see paddockctl image COMMAND --help).
proxy listen|status: the egress proxy (see paddockctl proxy COMMAND --help).
schedule next: when a job&apos;s schedule fires (see paddockctl schedule next --help).
job list|show|add|edit|remove|enable|disable|run|history: jobs, agent runs on a schedule (see paddockctl job COMMAND --help).</source>
        <translation>serve: den Dienst von Paddock ohne Fenster ausführen, bis SIGINT oder SIGTERM eintrifft.
policy validate|authorize|test|format|check: Cedar-Richtlinien (siehe paddockctl policy BEFEHL --help).
audit verify|tail|export: das Audit-Protokoll (siehe paddockctl audit BEFEHL --help).
persona list|start|stop|restart|logs|attach: Personas und ihre Container (siehe paddockctl persona BEFEHL --help).
workspace create|list: Arbeitsbereiche aus Repositorys (siehe paddockctl workspace BEFEHL --help).
image build|status: das Agent-Abbild (siehe paddockctl image BEFEHL --help).
proxy listen|status: der Egress-Proxy (siehe paddockctl proxy BEFEHL --help).
schedule next: wann der Zeitplan eines Jobs auslöst (siehe paddockctl schedule next --help).
job list|show|add|edit|remove|enable|disable|run|history: Jobs, Agentenläufe nach Zeitplan (siehe paddockctl job BEFEHL --help).</translation>
    </message>
    <message>
        <source>A job of the persona pushes (the principal is the job).</source>
        <translation>Ein Job der Persona pusht (der Principal ist der Job).</translation>
    </message>
    <message>
        <source>The branch of the job&apos;s run (Paddock::Job&apos;s branch).</source>
        <translation>Der Branch des Job-Laufs (der Branch von Paddock::Job).</translation>
    </message>
    <message>
        <source>persona %1</source>
        <translation>Persona %1</translation>
    </message>
    <message>
        <source>job %1 of persona %2</source>
        <translation>Job %1 der Persona %2</translation>
    </message>
    <message>
        <source>paddock: the %1 policy of %2 does not allow pushing %3 to %4: %5</source>
        <translation>paddock: die Richtlinie %1 von %2 erlaubt keinen Push von %3 nach %4: %5</translation>
    </message>
</context>
</TS>
