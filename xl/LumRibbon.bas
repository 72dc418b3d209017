Attribute VB_Name = "LumRibbon"
' LUM-liggaren: återanrop för fliken LUM i menyfliksområdet (xl/customUI.xml).
'
' Alla knappar på fliken anropar LumRibbonKlick; knappens tag är namnet på ett makro i
' modulen LumLedger (samma makron som knapparna på bladet Start).
Option Explicit

Sub LumRibbonKlick(control As IRibbonControl)
    Application.Run "'" & Replace(ThisWorkbook.Name, "'", "''") & "'!LumLedger." & control.Tag
End Sub
