Attribute VB_Name = "LumLedger"
' LUM-liggaren: makron bakom knapparna på bladet Start och fliken LUM.
'
' Varje makro är ett enda anrop till Python-paketet lumledger (modulen lumledger.xl) via
' xlwings RunPython. Här finns ingen logik: allt görs i Python, så att knapparna och
' kommandoraden (lumledger validate/rollup/export/reconcile/cycle) gör exakt samma sak.
' Källa: xl/LumLedger.bas i lumledger-förrådet; arbetsboken byggs med python xl/build.py.
Option Explicit

Sub Validera()
    RunPython "import lumledger.xl; lumledger.xl.validate()"
End Sub

Sub Summera()
    RunPython "import lumledger.xl; lumledger.xl.rollup()"
End Sub

Sub ExporteraBilagor()
    RunPython "import lumledger.xl; lumledger.xl.export()"
End Sub

Sub StamAv()
    RunPython "import lumledger.xl; lumledger.xl.reconcile()"
End Sub

Sub NyOmgang()
    RunPython "import lumledger.xl; lumledger.xl.new_round()"
End Sub

Sub Besluta()
    RunPython "import lumledger.xl; lumledger.xl.decide()"
End Sub

Sub Stang()
    RunPython "import lumledger.xl; lumledger.xl.close()"
End Sub

Sub Genomfor()
    RunPython "import lumledger.xl; lumledger.xl.apply_plan()"
End Sub

Sub LasInBlanketter()
    RunPython "import lumledger.xl; lumledger.xl.import_forms()"
End Sub
