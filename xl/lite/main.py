"""xlwings Lite: LUM-liggarens knappar och kalkylbladsfunktioner (klistra in i fliken main.py).

Varje knapp är ett skript (``@script``) och varje funktion en kalkylbladsfunktion (``@func``);
koden finns i paketet lumledger (``lumledger.xl.remote``), samma som skrivbordets arbetsbok
och stadens server kör. Skripten körs från xlwings Lite-panelen: Validera, Summera,
Exportera bilagor, Stäm av, Ny omgång, Besluta, Stäng år och Genomför.
"""

from lumledger.xl.remote import (  # noqa: F401  (xlwings Lite finds them in this module)
    besluta,
    exportera_bilagor,
    genomfor,
    lum_antal,
    lum_belopp,
    lum_giro_ok,
    lum_kvar,
    lum_summa,
    ny_omgang,
    stam_av,
    stang_ar,
    summera,
    validera,
)
