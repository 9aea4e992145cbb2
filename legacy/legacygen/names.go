package legacygen

// Name pools: common Polish names, with the diacritics and double-barrelled
// surnames that transliteration and grouping must handle.
var (
	maleNames = []string{
		"Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Łukasz", "Grzegorz",
		"Jakub", "Adam", "Mateusz", "Marek", "Wojciech", "Józef", "Zbigniew", "Stanisław", "Mariusz", "Dariusz",
		"Rafał", "Robert", "Kamil", "Jacek", "Maciej", "Sławomir", "Bartłomiej", "Przemysław", "Zdzisław", "Jędrzej",
		"Szymon", "Filip", "Kacper", "Dominik", "Damian", "Artur", "Janusz", "Ryszard", "Mirosław", "Bożydar",
	}
	femaleNames = []string{
		"Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Zofia",
		"Joanna", "Magdalena", "Monika", "Danuta", "Teresa", "Aleksandra", "Beata", "Dorota", "Jadwiga", "Halina",
		"Żaneta", "Iwona", "Grażyna", "Bożena", "Urszula", "Renata", "Jolanta", "Łucja", "Aneta", "Justyna",
		"Wiesława", "Marianna", "Paulina", "Natalia", "Sylwia", "Ilona", "Gabriela", "Róża", "Jagoda", "Ślęzana",
	}
	lastNames = []string{
		"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak",
		"Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
		"Michalski", "Nowicki", "Adamczyk", "Dudek", "Zając", "Wieczorek", "Jabłoński", "Król", "Majewski", "Olszewski",
		"Jaworski", "Wróbel", "Malinowski", "Pawlak", "Witkowski", "Walczak", "Stępień", "Górski", "Rutkowski", "Michalak",
		"Sikora", "Ostrowski", "Baran", "Duda", "Szewczyk", "Tomaszewski", "Pietrzak", "Marciniak", "Wróblewski", "Zalewski",
		"Jakubowski", "Jasiński", "Zawadzki", "Sadowski", "Bąk", "Chmielewski", "Włodarczyk", "Borkowski", "Czarnecki", "Sawicki",
		"Sokołowski", "Urbański", "Kubiak", "Maciejewski", "Szczepański", "Kucharski", "Wilk", "Kalinowski", "Lis", "Mazurek",
		"Wysocki", "Adamski", "Kaźmierczak", "Wasilewski", "Sobczak", "Czerwiński", "Andrzejewski", "Cieślak", "Głowacki", "Zakrzewski",
		"Kołodziej", "Sikorski", "Krajewski", "Gajewski", "Szymczak", "Szulc", "Baranowski", "Laskowski", "Brzeziński", "Makowski",
		"Ziółkowski", "Przybylski", "Żak", "Łuczak", "Ślusarczyk", "Gołębiowski", "Żurawski", "Świątek", "Ćwik", "Źrebiec",
	}
	kuratoriumSeats = []string{
		"Białymstoku", "Bydgoszczy", "Gdańsku", "Gorzowie Wielkopolskim", "Katowicach", "Kielcach", "Krakowie", "Lublinie",
		"Łodzi", "Olsztynie", "Opolu", "Poznaniu", "Rzeszowie", "Szczecinie", "Warszawie", "Wrocławiu",
	}
	towns = []string{
		"Brzeziny", "Łęczyca", "Żyrardów", "Kłodzko", "Ślesin", "Świdnik", "Gniezno", "Zduńska Wola", "Łask", "Końskie",
		"Sieradz", "Wieluń", "Ostrołęka", "Pułtusk", "Mińsk Mazowiecki", "Biłgoraj", "Zamość", "Chełm", "Przemyśl", "Jarosław",
		"Nowy Sącz", "Gorlice", "Żywiec", "Cieszyn", "Racibórz", "Kędzierzyn-Koźle", "Nysa", "Kłobuck", "Olkusz", "Bochnia",
		"Tczew", "Kościerzyna", "Chojnice", "Słupsk", "Lębork", "Wałcz", "Piła", "Śrem", "Kościan", "Gostyń",
		"Ełk", "Giżycko", "Mrągowo", "Suwałki", "Augustów", "Łomża", "Zambrów", "Hajnówka", "Bielsk Podlaski", "Siemiatycze",
		"Głogów", "Lubin", "Bolesławiec", "Zgorzelec", "Świebodzin", "Żary", "Żagań", "Międzyrzecz", "Sulęcin", "Łobez",
	}
	schoolKinds = []string{
		"Szkoła Podstawowa", "Szkoła Podstawowa", "Szkoła Podstawowa", "Przedszkole Publiczne", "Przedszkole Publiczne",
		"Liceum Ogólnokształcące", "Technikum", "Branżowa Szkoła I Stopnia", "Zespół Szkół", "Poradnia Psychologiczno-Pedagogiczna",
		"Młodzieżowy Dom Kultury", "Specjalny Ośrodek Szkolno-Wychowawczy",
	}
	domains = []string{
		"wp.pl", "onet.pl", "interia.pl", "gmail.com", "o2.pl", "op.pl", "poczta.fm", "tlen.pl", "edu.pl", "szkola.edu.pl",
	}
	scopeSets = []string{
		"sio", "sio", "sio|wnioski", "sio|wnioski", "sio|raporty", "wnioski", "sio|wnioski|raporty", "", "raporty|sio", "sio|kadry",
	}
)
